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

    /// `prefix` then two lower-case hex digits per byte, written straight into the string's storage: for keys
    /// made on every message or receipt (`withUnsafeBytes` of a digest), where the generic form's array costs.
    public static func lowercase(_ bytes: UnsafeRawBufferPointer, prefix: StaticString) -> String {
        String(unsafeUninitializedCapacity: prefix.utf8CodeUnitCount + bytes.count * 2) { out in
            var index = 0
            for code in UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount) {
                out[index] = code
                index += 1
            }
            let table = hexDigits.utf8Start
            for byte in bytes {
                out[index] = table[Int(byte >> 4)]
                out[index + 1] = table[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    private static let hexDigits: StaticString = "0123456789abcdef"
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
}
