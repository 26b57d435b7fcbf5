import ChannelKit
import ControlProtocol

/// A point in the past as `since` takes it, in `report` and `subscribe` alike (docs/protocol.md, "Times"):
/// a duration back from now (`90s`, `30m`, `24h`, `7d`, `1h30m`), an RFC 3339 time, or whole epoch
/// milliseconds (a JSON number or a string of digits).
public enum PastTime {
    /// The grammar in words, for error messages and help texts.
    public static let grammar = TimeInput.pastGrammar

    /// Parses `text` into epoch milliseconds; `nil` if it is none of the three forms.
    /// - Parameters:
    ///   - text: what the client wrote.
    ///   - now: the current time (epoch ms), which a duration counts back from.
    public static func parse(_ text: String, now: Int64) -> Int64? {
        if let duration = ConfigDuration.parse(text) { return now - duration.milliseconds }
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) { return Int64(text) }
        return Timestamp.parse(text)
    }

    /// Reads a request field; `nil` when absent or null.
    /// - Throws: `bad_request` naming `field` and the grammar.
    static func read(_ value: JSONValue?, field: String, now: Int64) throws(ControlError) -> Int64? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return try TimeInput.text(text).pastMilliseconds(field: field, now: now)
        case .number(let text)?: return try TimeInput.number(text).pastMilliseconds(field: field, now: now)
        default: throw TimeInput.pastError(field: field)
        }
    }
}
