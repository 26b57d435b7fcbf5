/// Lower-case hex of digests and signatures (SHA-1, SHA-256, HMAC), the form vendors sign and compare.
public enum HexEncoding {
    /// Two lower-case hex digits per byte.
    public static func lowercase(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        // Digests (swift-crypto's among them) are sequences that do not say their length: room for SHA-256.
        out.reserveCapacity(Swift.max(bytes.underestimatedCount, 32) * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
}
