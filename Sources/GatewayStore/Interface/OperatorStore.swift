/// Operator transactions (cancel, requeue, pause): each runs in the writer's next transaction and answers after
/// its commit.
public protocol OperatorStore: AnyObject, Sendable {
    /// Finds a message by our id or the client's dedup key.
    func locate(
        messageID: String?, dedupKey: String?,
        completion: @escaping @Sendable (Result<MessageLocation?, StoreError>) -> Void)

    /// Cancels a queued message; `false` if it was no longer queued.
    func cancel(_ sequence: Int64, client: String, completion: @escaping @Sendable (Result<Bool, StoreError>) -> Void)

    /// How many messages `filter` matches now.
    func countRequeue(_ filter: RequeueFilter, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void)

    /// Requeues up to `limit` messages matching `filter` in one transaction; how many moved. The moved messages
    /// are reported through ``DeliveryStore/onCommit(_:)``.
    func requeue(
        _ filter: RequeueFilter, limit: Int, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void)

    /// Persists an instance's pause or resume (kept across restarts and reloads).
    func setPaused(
        _ channel: String, paused: Bool, client: String,
        completion: @escaping @Sendable (Result<Void, StoreError>) -> Void)
}
