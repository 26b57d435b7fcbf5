/// The store as a running service: liveness, counters, loss and shutdown.
public protocol StoreLifecycle: AnyObject, Sendable {
    /// Where the data lives (a file path, a server), for logs.
    var location: String { get }

    /// Transactions committed since the store opened; with `accepted`, shows how well sends are grouped.
    var commitCount: Int { get }

    /// Pages copied from the write-ahead log back into the database by checkpoints since the store opened (0 for a
    /// store without one).
    var checkpointedPages: Int { get }

    /// Wall-clock milliseconds of the writer's last turn (it turns at least once a second), for the watchdog.
    var lastTurn: Int64 { get }

    /// Sets what the store calls, once, if its data is lost under it (the daemon must stop).
    func onLost(_ handler: @escaping @Sendable (StoreError) -> Void)

    /// Commits everything queued, stops and waits. Later calls are refused.
    func close()
}

extension StoreLifecycle {
    public var checkpointedPages: Int { 0 }
}
