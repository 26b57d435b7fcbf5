public import Crypto

extension SHA256 {
    /// Adds a string's UTF-8 bytes without copying them (content and receipt keys hash several fields per
    /// message on the intake path).
    public mutating func update(text: String) {
        var text = text
        text.withUTF8 { update(bufferPointer: UnsafeRawBufferPointer($0)) }
    }

    /// Adds one byte: the separator between hashed fields.
    public mutating func update(byte: UInt8) {
        withUnsafeBytes(of: byte) { update(bufferPointer: $0) }
    }
}
