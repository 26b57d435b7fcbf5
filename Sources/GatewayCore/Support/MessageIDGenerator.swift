/// Message ids: `m` + 26 Crockford base-32 characters of a 48-bit millisecond time and 80 random bits (ULID).
///
/// Time-ordered, so ids sort roughly by acceptance; random enough that ids never collide across restarts or
/// hosts and cannot be guessed from one another.
public struct MessageIDGenerator: Sendable {
    private static let alphabet: StaticString = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

    public init() {}

    /// A new id for time `milliseconds`.
    public func next(milliseconds: Int64) -> String {
        let (random64, random16) = RandomBytePool.shared.pair()
        let high = UInt64(truncatingIfNeeded: milliseconds) << 16 | (random16 & 0xFFFF)
        // Written straight into the string's storage: one allocation per id.
        return String(unsafeUninitializedCapacity: 27) { bytes in
            bytes[0] = UInt8(ascii: "m")
            // 128 bits as 26 base-32 digits (the top digit holds 3 bits).
            let alphabet = Self.alphabet.utf8Start
            var value = (high, random64)
            for position in stride(from: 26, through: 1, by: -1) {
                bytes[position] = alphabet[Int(value.1 & 31)]
                value = (value.0 >> 5, value.1 >> 5 | value.0 << 59)
            }
            return 27
        }
    }
}
