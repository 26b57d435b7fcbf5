import Foundation

/// The customer directory: each call runs in the writer's next transaction and answers after its commit.
extension SQLiteMessageStore {
    /// Creates or changes customers in one commit, all or none.
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
        perform(
            { writer, _, _ throws(StoreError) in try writer.upsertCustomers(upserts) },
            completion: { result in
                switch result {
                case .success(let outcomes): completion(outcomes.map { .success($0) })
                case .failure(let error): completion(Array(repeating: .failure(error), count: count))
                }
            })
        return true
    }

    /// One customer's profile, read by the writer after everything queued before it is committed.
    public func customer(_ id: String, completion: @escaping @Sendable (Result<CustomerProfile?, StoreError>) -> Void) {
        perform({ writer, _, _ throws(StoreError) in try writer.customerProfile(id) }, completion: completion)
    }

    /// Sets the pseudonym key admission and `forget` use, from the writer's next turn on.
    public func usePseudonymKey(_ key: [UInt8]?) {
        perform({ writer, _, _ throws(StoreError) in writer.customerStatements.forgotten.use(key: key) }) { _ in }
    }

    /// Forgets a customer in the writer's next transaction; answers after the commit.
    public func forget(
        _ request: CustomerForget, completion: @escaping @Sendable (Result<ForgetResult, StoreError>) -> Void
    ) {
        let directory = (location as NSString).deletingLastPathComponent
        perform(
            { writer, _, _ throws(StoreError) in try writer.forget(request, directory: directory) },
            completion: completion)
    }
}
