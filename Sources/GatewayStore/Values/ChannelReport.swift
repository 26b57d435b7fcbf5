/// One channel's outcomes over a period, for `report` (`gatewayctl report --since 24h`).
public struct ChannelReport: Sendable {
    public var channel: String
    /// Messages accepted in the period.
    public var accepted = 0
    /// Messages that left the gateway (a vendor took them).
    public var sent = 0
    /// Of those, confirmed reached: delivered, or a call answered.
    public var delivered = 0
    /// Messages opened, or clicked (by receipts, tracked links or the bank's events).
    public var opened = 0
    public var clicked = 0
    /// Final failures by reason category.
    public var failedByReason: [String: Int] = [:]
    public var expired = 0
    public var suppressed = 0
    /// Still queued or deferred.
    public var queued = 0

    public init(channel: String) { self.channel = channel }
}
