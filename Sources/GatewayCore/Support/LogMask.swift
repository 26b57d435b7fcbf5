/// Masks personal data and credentials before they reach a log line.
///
/// Phone numbers keep their first three and last four digits (`138****0000`), other addresses (open ids,
/// device tokens, user ids) their first four and last two characters, and free text (vendor error details)
/// has every run of seven or more digits masked, since vendors like to echo the number they refused.
public enum LogMask {
    /// A recipient address as it may appear in a log.
    public static func address(_ address: String) -> String {
        let digits = address.hasPrefix("+") ? address.dropFirst() : Substring(address)
        if !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) {
            return (address.hasPrefix("+") ? "+" : "") + phone(String(digits))
        }
        let characters = Array(address)
        guard characters.count >= 10 else { return "****" }
        return String(characters.prefix(4)) + "****" + String(characters.suffix(2))
    }

    /// Free text with every run of seven or more digits masked as a phone number, whatever surrounds it (letters,
    /// Chinese text, `+86`). Full-width digits (`１３８…`, as Chinese vendors sometimes echo them) count as digits.
    public static func text(_ text: String) -> String {
        var output = ""
        var run = ""
        var digits = ""
        func flush() {
            output += digits.count >= 7 ? phone(digits) : run
            run = ""
            digits = ""
        }
        for character in text {
            if let digit = character.digitValueASCIIOrFullWidth {
                run.append(character)
                digits.append(Character(Unicode.Scalar(UInt8(ascii: "0") + digit)))
            } else {
                flush()
                output.append(character)
            }
        }
        flush()
        return output
    }

    private static func phone(_ digits: String) -> String {
        guard digits.count >= 7 else { return "****" }
        return String(digits.prefix(3)) + "****" + String(digits.suffix(4))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }

    /// 0–9 for an ASCII or a full-width (U+FF10–U+FF19) digit.
    fileprivate var digitValueASCIIOrFullWidth: UInt8? {
        guard unicodeScalars.count == 1, let scalar = unicodeScalars.first else { return nil }
        switch scalar.value {
        case 0x30...0x39: return UInt8(scalar.value - 0x30)
        case 0xFF10...0xFF19: return UInt8(scalar.value - 0xFF10)
        default: return nil
        }
    }
}
