public import GatewayJSON

/// A line of a `subscribe` stream after its answer: a committed change (of a message, a run, a tag, a
/// conversion), or the end of a stream that fell behind (subscribe again from `resume_since`).
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
    case run(RunChange)
    case tag(TagChange)
    case conversion(Conversion)
    /// A line of an `event` this version does not know (a newer daemon's): its name and object.
    case other(event: String, JSONValue)
    /// The stream ended; subscribe again with `since` = `resumeSince` (an RFC 3339 time).
    case lagged(resumeSince: String?)

    /// Reads a stream line by its `event`; an object without one as a state change (as older daemons wrote).
    public init?(json: JSONValue) {
        guard case .object = json else { return nil }
        switch json["event"]?.stringValue {
        case "lagged": self = .lagged(resumeSince: json["resume_since"]?.scalarText)
        case nil, ChangeKind.state.rawValue?: self = .state(StateChange(json: json))
        case ChangeKind.run.rawValue?: self = .run(RunChange(json: json))
        case ChangeKind.tag.rawValue?: self = .tag(TagChange(json: json))
        case ChangeKind.conversion.rawValue?: self = .conversion(Conversion(json: json))
        case let event?: self = .other(event: event, json)
        }
    }

    /// The `lagged` line (without its newline); `since` is the daemon's own RFC 3339 text.
    public static func laggedLine(resumeSince since: String) -> String {
        "{\"event\":\"lagged\",\"resume_since\":\"\(since)\"}"
    }
}
