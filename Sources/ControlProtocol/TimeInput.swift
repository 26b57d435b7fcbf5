public import GatewayJSON

/// A time field as the client wrote it: text (an RFC 3339 time, or for `since` a duration or digits) or a JSON
/// number (epoch milliseconds). The daemon turns it into epoch milliseconds against its own clock.
public enum TimeInput: Sendable, Hashable {
    case text(String)
    case number(String)

    /// The forms a past time (`since`, `until`) takes, for error messages and help texts.
    public static let pastGrammar =
        "a duration back from now (30m, 24h, 7d), an RFC 3339 time or whole epoch milliseconds"

    /// Text of digits goes out as a number: the protocol takes epoch milliseconds as one.
    public init(_ text: String) {
        let isEpoch = !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        self = isEpoch ? .number(text) : .text(text)
    }

    /// The value on the wire.
    public var json: JSONValue {
        switch self {
        case .text(let text): .string(text)
        case .number(let text): .number(text)
        }
    }

    /// The error for a `since`-style field that is no past time.
    public static func pastError(field: String) -> ControlError {
        .badRequest("'\(field)' must be \(pastGrammar)", field: field)
    }

    /// The error for a time field (`not_after`, `not_before`, `at`) that is no time.
    public static func timeError(_ key: String, field: String) -> ControlError {
        .badRequest("'\(key)' must be an RFC 3339 time or whole epoch milliseconds", field: field)
    }
}
