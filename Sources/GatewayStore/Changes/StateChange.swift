import ChannelKit
public import ControlProtocol

/// One committed change as streamed to `subscribe` clients and written to the outbox: a message's state (the
/// original kind), or a run's step, a customer's tag or a conversion (strategies, design §11).
///
/// Message fields (`messageID`, `channel`, `category`, `state`, `reason`) describe `state` changes only; the other
/// kinds leave them empty and carry their whole line, built once by their factory.
public struct StateChange: Sendable {
    /// What changed; `subscribe`'s `kinds` filters on it.
    public typealias Kind = ChangeKind

    public var kind: Kind
    public var messageID: String
    public var customer: String?
    public var channel: String
    public var category: String
    /// The state it moved to (or, for engagement, the event: `opened`, `clicked`).
    public var state: MessageState
    public var reason: String?
    /// When it happened (epoch ms).
    public var at: Int64
    /// The complete line of a change that is not a message state.
    private var prebuilt: String?

    /// A message state change.
    public init(
        messageID: String, customer: String?, channel: String, category: String, state: MessageState, reason: String?,
        at: Int64
    ) {
        self.kind = .state
        self.messageID = messageID
        self.customer = customer
        self.channel = channel
        self.category = category
        self.state = state
        self.reason = reason
        self.at = at
    }

    /// A change of another kind whose factory built its line (`StateChange+Strategies.swift`).
    init(kind: Kind, customer: String?, at: Int64, line: String) {
        self.kind = kind
        self.messageID = ""
        self.customer = customer
        self.channel = ""
        self.category = ""
        self.state = .queued
        self.reason = nil
        self.at = at
        self.prebuilt = line
    }

    /// The JSON line a subscriber receives.
    public var line: String {
        if let prebuilt { return prebuilt }
        var line = "{\"event\":\"state\",\"message_id\":"
        JSONValue.appendQuoted(messageID, to: &line)
        line += ",\"customer\":"
        if let customer { JSONValue.appendQuoted(customer, to: &line) } else { line += "null" }
        line += ",\"channel\":"
        JSONValue.appendQuoted(channel, to: &line)
        line += ",\"category\":\"\(category)\",\"state\":\"\(state.rawValue)\",\"reason\":"
        if let reason { JSONValue.appendQuoted(reason, to: &line) } else { line += "null" }
        line += ",\"at\":\"\(Timestamp.format(at))\"}"
        return line
    }
}
