// Placeholder conformance; replaced by the customer directory implementation.
extension SQLiteMessageStore {
    public func upsertCustomers(
        _ upserts: [CustomerUpsert],
        completion: @escaping @Sendable ([Result<CustomerUpsert.Outcome, StoreError>]) -> Void
    ) -> Bool {
        completion(upserts.map { _ in .failure(.closed) })
        return true
    }

    public func customer(_ id: String, completion: @escaping @Sendable (Result<CustomerProfile?, StoreError>) -> Void) {
        completion(.success(nil))
    }
}
