/// How an instance polls for receipts its vendor does not push (see ``ChannelInstanceConfiguration``).
public struct PollConfiguration: Sendable, Hashable {
    /// How long after the send the first query goes.
    public var after: Duration
    /// How long between queries about the same message.
    public var interval: Duration
    /// How long after the send to stop asking.
    public var giveUpAfter: Duration
    /// Queries per second at most.
    public var perSecond: Double

    public init(after: Duration, interval: Duration, giveUpAfter: Duration, perSecond: Double) {
        self.after = after
        self.interval = interval
        self.giveUpAfter = giveUpAfter
        self.perSecond = perSecond
    }
}
