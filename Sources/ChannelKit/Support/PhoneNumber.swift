/// The phone number shapes SMS and call vendors take, checked on bytes (no Foundation, adapters stay pure).
public enum PhoneNumber {
    /// 11 digits starting with 1, optionally prefixed `+86`: a mainland China mobile number.
    public static func isCNMobile(_ number: String) -> Bool {
        let digits = number.hasPrefix("+86") ? number.dropFirst(3) : Substring(number)
        return digits.utf8.count == 11 && digits.hasPrefix("1") && digits.utf8.allSatisfy(isDigit)
    }

    /// `+`, then 8 to 15 digits, the first not 0.
    public static func isE164(_ number: String) -> Bool {
        let utf8 = Array(number.utf8)
        guard utf8.first == UInt8(ascii: "+"), (9...16).contains(utf8.count), utf8[1] != UInt8(ascii: "0") else {
            return false
        }
        return utf8.dropFirst().allSatisfy(isDigit)
    }

    /// An ASCII digit.
    public static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
