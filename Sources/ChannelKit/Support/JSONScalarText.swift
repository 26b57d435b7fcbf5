/// The text of a JSON scalar the way vendors send ids and codes: sometimes as strings, sometimes as numbers.
public enum JSONScalarText {
    /// A string, or a number's literal text; `nil` for anything else (booleans, null, arrays, objects).
    public static func of(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?, .number(let text)?: text
        default: nil
        }
    }
}
