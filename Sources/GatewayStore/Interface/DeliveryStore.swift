/// Delivery: the dispatcher's pages of queued messages, its attempt records and failovers.
public protocol DeliveryStore: AnyObject, Sendable {
    /// Opens a reader for one background thread (the dispatcher's, the poller's, …).
    func makeReader() throws(StoreError) -> any StoreReading

    /// Queues attempt records for the next commit (no answer: the dispatcher has already moved on).
    func record(_ records: [AttemptRecord])

    /// Moves failed messages to their instances' backups in the next commit; their new position is reported
    /// through ``onCommit(_:)`` like new messages.
    func failover(_ moves: [FailoverMove])

    /// Sets what the store calls after each commit that queued messages, with counts by instance and lane.
    func onCommit(_ handler: @escaping @Sendable ([String: LaneCounts]) -> Void)

    /// Queued messages per instance, as committed (read at start-up); deferred ones included.
    func queuedCounts() throws(StoreError) -> [String: Int]

    /// The instances an operator paused, as committed (read at start-up).
    func pausedInstances() throws(StoreError) -> Set<String>
}
