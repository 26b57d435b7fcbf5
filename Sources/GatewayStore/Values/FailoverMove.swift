/// A queued message moving to its instance's backup after a vendor-side failure.
public struct FailoverMove: Sendable {
    /// The message's current sequence number.
    public var sequence: Int64
    /// The backup instance.
    public var channel: String
    /// The instance it failed on.
    public var origin: String
    /// Its priority lane, for the backup's dispatcher notification.
    public var priority: PriorityLane

    public init(sequence: Int64, channel: String, origin: String, priority: PriorityLane) {
        self.sequence = sequence
        self.channel = channel
        self.origin = origin
        self.priority = priority
    }
}
