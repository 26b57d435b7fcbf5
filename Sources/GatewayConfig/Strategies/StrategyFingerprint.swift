internal import Crypto

/// A strategy version's identity: SHA-256 of its file bytes in lowercase hex, so any edit (a comment included)
/// becomes a new version and an untouched file keeps its version across restarts and reloads.
public enum StrategyFingerprint {
    /// The fingerprint of a file's bytes.
    public static func of(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The fingerprint of a text, as its UTF-8 bytes (what the file held when it was valid UTF-8).
    public static func of(_ text: String) -> String { of(Array(text.utf8)) }
}
