/// Times as vendors write them in callbacks, read into milliseconds since the Unix epoch.
public enum CallbackTime {
    /// The latest second a callback time may name: 9999-12-31 23:59:59 UTC. Larger numbers are not seconds.
    public static let latestSecond: Int64 = 253_402_300_799

    /// A time in one of the accepted forms, or `nil`:
    /// - epoch seconds: a JSON number (a fraction is kept to the millisecond) or a string of digits;
    /// - `yyyy-MM-dd HH:mm:ss`, read as Beijing time (UTC+8, ``BeijingTime``), as Alibaba sends it.
    public static func epochMilliseconds(_ value: JSONValue) -> Int64? {
        switch value {
        case .number(let text): return epochMilliseconds(seconds: text)
        case .string(let text):
            if !text.isEmpty, text.utf8.allSatisfy(PhoneNumber.isDigit) {
                return epochMilliseconds(seconds: text)
            }
            return BeijingTime.milliseconds(text)
        default: return nil
        }
    }

    /// `1457336869` or `1457336869.25` (no sign, no exponent) as milliseconds.
    public static func epochMilliseconds(seconds text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.utf8.count <= 12,
            whole.utf8.allSatisfy(PhoneNumber.isDigit), let seconds = Int64(whole), seconds <= latestSecond
        else { return nil }
        var milliseconds: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.utf8.allSatisfy(PhoneNumber.isDigit) else { return nil }
            var scale: Int64 = 100
            for digit in fraction.utf8.prefix(3) {
                milliseconds += Int64(digit - UInt8(ascii: "0")) * scale
                scale /= 10
            }
        }
        return seconds * 1000 + milliseconds
    }
}
