import ChannelKit
public import ControlProtocol

/// One state change of one message, as streamed to `subscribe` clients.
public struct StateChange: Sendable {
    public var messageID: String
    public var customer: String?
    public var channel: String
    public var category: String
    /// The state it moved to (or, for engagement, the event: `opened`, `clicked`).
    public var state: MessageState
    public var reason: String?
    /// When it happened (epoch ms).
    public var at: Int64

    public init(
        messageID: String, customer: String?, channel: String, category: String, state: MessageState, reason: String?,
        at: Int64
    ) {
        self.messageID = messageID
        self.customer = customer
        self.channel = channel
        self.category = category
        self.state = state
        self.reason = reason
        self.at = at
    }

    /// The JSON line a subscriber receives.
    public var line: String {
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
