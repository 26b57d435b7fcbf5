public import GatewayStore

/// The customer directory on PostgreSQL (``PostgresCustomerDirectory``), as the SQLite store serves it: upserts
/// run on the writer's connection as one transaction after everything queued before them, a profile is read
/// after everything queued is committed.
extension PostgresMessageStore {
    /// The directory's statements, under this store's key.
    var directory: PostgresCustomerDirectory { PostgresCustomerDirectory(cipher: cipher) }

    /// Creates or changes customers in one commit, all or none; `false` without queueing when the intake queue is
    /// full or the store is closing.
    public func upsertCustomers(
        _ upserts: [CustomerUpsert],
        completion: @escaping @Sendable ([Result<CustomerUpsert.Outcome, StoreError>]) -> Void
    ) -> Bool {
        guard !upserts.isEmpty else {
            completion([])
            return true
        }
        let count = upserts.count
        guard intakeHasRoom(count) else { return false }
        let directory = directory
        perform(
            { turn throws(PostgresError) in
                try directory.upsert(upserts, changes: &turn.changes, on: turn.connection)
            },
            completion: { result in
                switch result {
                case .success(let outcomes): completion(outcomes.map { .success($0) })
                case .failure(let error): completion(Array(repeating: .failure(error), count: count))
                }
            })
        return true
    }

    /// One customer's profile, after everything queued before it is committed; `nil` if unknown.
    public func customer(_ id: String, completion: @escaping @Sendable (Result<CustomerProfile?, StoreError>) -> Void) {
        let directory = directory
        read({ connection throws(PostgresError) in try directory.profile(id, on: connection) }, completion: completion)
    }

    /// Sets `privacy.pseudonym_key` (nil: the store key) for admission and `forget`, from the next batch on.
    public func usePseudonymKey(_ key: [UInt8]?) {
        forgotten.use(key: key)
    }
}
