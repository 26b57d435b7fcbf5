/// Which messages a `requeue` takes, and where it puts them.
public struct RequeueFilter: Sendable, Hashable {
    /// What is taken from the source instance.
    public enum Source: Sendable, Hashable {
        /// Messages that failed for good (after a vendor outage, say), optionally of one reason category.
        case failed(reason: String?)
        /// Messages still queued on a held or paused instance, to move to another one.
        case queued
    }

    /// The instance the messages are on.
    public var channel: String
    public var source: Source
    /// The instance they go to (the same one by default).
    public var target: String
    /// Only messages whose last change is in this range (epoch ms, inclusive); `nil` is open.
    public var from: Int64?
    public var until: Int64?

    public init(channel: String, source: Source, target: String? = nil, from: Int64? = nil, until: Int64? = nil) {
        self.channel = channel
        self.source = source
        self.target = target ?? channel
        self.from = from
        self.until = until
    }
}
