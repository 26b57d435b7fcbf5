public import ChannelKit

/// A read connection owned by one background thread: the dispatcher's pages, the receipt poller's targets,
/// the webhook outbox and the queue-age probe.
///
/// A reader never blocks the writer and holds no snapshot between calls. It is not `Sendable`: open one per
/// thread with ``DeliveryStore/makeReader()``.
public protocol StoreReading: AnyObject {
    /// Up to `limit` queued messages of one lane of an instance with sequence above `after`, in commit order.
    func queued(channel: String, priority: PriorityLane, after: Int64, limit: Int) throws(StoreError)
        -> [StoredMessage]

    /// Sent messages of an instance due a pull-receipt query by `now`, earliest due first.
    func pollTargets(channel: String, dueBy now: Int64, limit: Int) throws(StoreError)
        -> [(sequence: Int64, target: PollTarget)]

    /// The oldest webhook outbox entries: sequence and change line.
    func outbox(limit: Int) throws(StoreError) -> [(sequence: Int64, line: String)]

    /// When the oldest queued message of one lane of an instance was accepted (epoch ms), if any.
    func oldestQueuedAt(channel: String, lane: PriorityLane) throws(StoreError) -> Int64?
}
