/// Message ids: `m` + 26 Crockford base-32 characters of a 48-bit millisecond time and 80 random bits (ULID).
///
/// Time-ordered, so ids sort roughly by acceptance; random enough that ids never collide across restarts or
/// hosts and cannot be guessed from one another.
public struct MessageIDGenerator: Sendable {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    public init() {}

    /// A new id for time `milliseconds`.
    public func next(milliseconds: Int64) -> String {
        var generator = SystemRandomNumberGenerator()
        let high = UInt64(truncatingIfNeeded: milliseconds) << 16 | UInt64(generator.next() as UInt16)
        let low = generator.next() as UInt64
        var bytes = [UInt8](repeating: 0, count: 27)
        bytes[0] = UInt8(ascii: "m")
        // 128 bits as 26 base-32 digits (the top digit holds 3 bits).
        var value = (high, low)
        for position in stride(from: 26, through: 1, by: -1) {
            bytes[position] = MessageIDGenerator.alphabet[Int(value.1 & 31)]
            value = (value.0 >> 5, value.1 >> 5 | value.0 << 59)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
