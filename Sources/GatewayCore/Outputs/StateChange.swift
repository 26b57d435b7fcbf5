/// One state change of one message, as streamed to `subscribe` clients.
public struct StateChange: Sendable {
    public var messageID: String
    public var customer: String?
    public var channel: String
    public var category: String
    /// `queued`, `deferred`, `suppressed`, `sent`, `failed`, `expired`, `delivered`, `answered`, `no_answer`,
    /// `refused`, `opened`, `clicked`, …
    public var state: String
    public var reason: String?
    /// When it happened (epoch ms).
    public var at: Int64

    public init(
        messageID: String, customer: String?, channel: String, category: String, state: String, reason: String?,
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
    var line: String {
        var line = "{\"event\":\"state\",\"message_id\":"
        JSONLine.quote(messageID, into: &line)
        line += ",\"customer\":"
        if let customer { JSONLine.quote(customer, into: &line) } else { line += "null" }
        line += ",\"channel\":"
        JSONLine.quote(channel, into: &line)
        line += ",\"category\":\"\(category)\",\"state\":\"\(state)\",\"reason\":"
        if let reason { JSONLine.quote(reason, into: &line) } else { line += "null" }
        line += ",\"at\":\"\(Timestamp.format(at))\"}"
        return line
    }
}
