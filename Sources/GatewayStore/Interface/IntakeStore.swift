/// Intake: sends made durable, and lookups that must see every earlier send.
public protocol IntakeStore: AnyObject, Sendable {
    /// Queues messages for the next group commit; dedup and admission policy run inside that transaction.
    /// - Returns: `false`, without queueing, if the intake queue is full or the store is closing (the client
    ///   hears `overloaded` or `shutting_down`).
    func accept(_ requests: [AcceptRequest], completion: @escaping @Sendable ([AcceptResult]) -> Void) -> Bool

    /// Looks a message up by id, after everything queued so far is committed.
    func status(of id: String, completion: @escaping @Sendable (MessageStatus?) -> Void)

    /// Calls `completion` once everything queued before it is committed.
    func barrier(_ completion: @escaping @Sendable () -> Void)
}
