/// RFC 3986 percent-encoding, shared by every adapter that builds URLs, query strings, form bodies or
/// signatures: the unreserved characters `A-Z a-z 0-9 - . _ ~` are kept, every other UTF-8 byte becomes `%XY`
/// with upper-case hex (space is `%20`, never `+`). Alibaba's RPC signature requires exactly this form.
public enum PercentEncoding {
    /// `text` with everything but unreserved characters percent-encoded.
    public static func encode(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output.unicodeScalars.append("%")
                output.unicodeScalars.append(hexDigits[Int(byte >> 4)])
                output.unicodeScalars.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return output
    }

    private static let hexDigits = Array("0123456789ABCDEF".unicodeScalars)
}
