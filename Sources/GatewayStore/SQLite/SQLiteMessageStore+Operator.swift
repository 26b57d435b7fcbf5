/// Operator transactions: each runs in the writer's next transaction and answers after its commit.
extension SQLiteMessageStore {
    /// Finds a message by id or client dedup key.
    public func locate(
        messageID: String?, dedupKey: String?,
        completion: @escaping @Sendable (Result<MessageLocation?, StoreError>) -> Void
    ) {
        perform(
            { writer, _, _ throws(StoreError) in try writer.locate(messageID: messageID, dedupKey: dedupKey) },
            completion: completion)
    }

    /// Cancels a queued message; `false` if it was no longer queued.
    public func cancel(
        _ sequence: Int64, client: String, completion: @escaping @Sendable (Result<Bool, StoreError>) -> Void
    ) {
        perform(
            { writer, now, _ throws(StoreError) in try writer.cancel(sequence, client: client, now: now) },
            completion: completion)
    }

    /// How many messages `filter` matches now.
    public func countRequeue(_ filter: RequeueFilter, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void)
    {
        perform({ writer, _, _ throws(StoreError) in try writer.countRequeue(filter) }, completion: completion)
    }

    /// Requeues up to `limit` messages matching `filter` in one transaction; how many moved.
    public func requeue(
        _ filter: RequeueFilter, limit: Int, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        perform(
            { writer, now, queued throws(StoreError) in
                try writer.requeue(filter, limit: limit, now: now, queued: &queued)
            }, completion: completion)
    }

    /// Persists an instance's pause or resume.
    public func setPaused(
        _ channel: String, paused: Bool, client: String,
        completion: @escaping @Sendable (Result<Void, StoreError>) -> Void
    ) {
        perform(
            { writer, now, _ throws(StoreError) in
                try writer.setPaused(channel, paused: paused, client: client, now: now)
            }, completion: completion)
    }

    /// The instances paused by an operator, as committed (read at start-up).
    public func pausedInstances() throws(StoreError) -> Set<String> {
        let database = try readConnection()
        let statement = try database.prepare("SELECT channel FROM instance_controls WHERE paused = 1")
        var names: Set<String> = []
        while try statement.step() { names.insert(statement.string(0) ?? "") }
        return names
    }

    /// A page of the whole consent log.
    public func consentLog(
        after sequence: Int64, since: Int64?, limit: Int,
        completion: @escaping @Sendable (Result<[ConsentReport.Entry], StoreError>) -> Void
    ) {
        perform(
            { writer, _, _ throws(StoreError) in
                try writer.consentLog(after: sequence, since: since, limit: limit)
            }, completion: completion)
    }
}
