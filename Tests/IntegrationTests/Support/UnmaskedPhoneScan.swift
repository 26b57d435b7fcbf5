/// Finds mainland mobile numbers that reached a log unmasked, and nothing else.
///
/// A number counts only as a whole token: a run of ASCII letters, digits and `+` bounded by anything else. Our
/// message ids (`m` + 26 Crockford base-32 characters) often hold long digit runs; searching for the digits
/// alone found "numbers" inside them about once in a million ids, failing the suite at random (issue 17).
enum UnmaskedPhoneScan {
    /// The first token of `text` that is a mobile number (`1[3-9]` + 9 digits, optionally `+86`/`86`/`0086`).
    static func firstNumber(in text: String) -> String? {
        var token: [UInt8] = []
        for byte in text.utf8 {
            if isTokenByte(byte) {
                token.append(byte)
                continue
            }
            if isMobileNumber(token) { return String(decoding: token, as: UTF8.self) }
            token.removeAll(keepingCapacity: true)
        }
        return isMobileNumber(token) ? String(decoding: token, as: UTF8.self) : nil
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "+"):
            true
        default: false
        }
    }

    private static func isMobileNumber(_ token: [UInt8]) -> Bool {
        var digits = token[...]
        if digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return false }
        for prefix in ["", "86", "0086"] where digits.starts(with: prefix.utf8) {
            let national = digits.dropFirst(prefix.utf8.count)
            if national.count == 11, national.first == UInt8(ascii: "1"),
                let second = national.dropFirst().first, second >= UInt8(ascii: "3"), second <= UInt8(ascii: "9")
            {
                return true
            }
        }
        return false
    }
}
