public import GatewayJSON

/// A line of a `subscribe` stream after its answer: a committed state change, or the end of a stream that fell
/// behind (subscribe again from `resume_since`).
public enum StreamEvent: Sendable, Hashable {
    /// `{"event":"state",…}`: one message's change. Fields are as sent; the daemon writes every one.
    public struct StateChange: Sendable, Hashable {
        public var messageID: String?
        public var customer: String?
        public var channel: String?
        public var category: String?
        /// A state name (``MessageState``), as sent.
        public var state: String?
        public var reason: String?
        /// An RFC 3339 time.
        public var at: String?

        public init(json: JSONValue) {
            messageID = json["message_id"]?.scalarText
            customer = json["customer"]?.scalarText
            channel = json["channel"]?.scalarText
            category = json["category"]?.scalarText
            state = json["state"]?.scalarText
            reason = json["reason"]?.scalarText
            at = json["at"]?.scalarText
        }
    }

    case state(StateChange)
    /// The stream ended; subscribe again with `since` = `resumeSince` (an RFC 3339 time).
    case lagged(resumeSince: String?)

    /// Reads a stream line: `lagged` by its `event`, any other object as a state change.
    public init?(json: JSONValue) {
        guard case .object = json else { return nil }
        if json["event"]?.stringValue == "lagged" {
            self = .lagged(resumeSince: json["resume_since"]?.scalarText)
        } else {
            self = .state(StateChange(json: json))
        }
    }

    /// The `lagged` line (without its newline); `since` is the daemon's own RFC 3339 text.
    public static func laggedLine(resumeSince since: String) -> String {
        "{\"event\":\"lagged\",\"resume_since\":\"\(since)\"}"
    }
}
