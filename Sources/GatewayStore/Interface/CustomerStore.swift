/// The customer directory: addresses per channel type, attributes, zone and tags, sealed at rest when
/// `store_encryption_key` is set. Same rules as ``MessageStoring``.
public protocol CustomerStore: AnyObject, Sendable {
    /// Creates or changes customers in one commit; `false` without queueing when the intake queue is full or the
    /// store is closing.
    func upsertCustomers(
        _ upserts: [CustomerUpsert],
        completion: @escaping @Sendable ([Result<CustomerUpsert.Outcome, StoreError>]) -> Void
    ) -> Bool

    /// One customer's profile, after everything queued so far is committed; `nil` if unknown.
    func customer(_ id: String, completion: @escaping @Sendable (Result<CustomerProfile?, StoreError>) -> Void)

    /// Forgets a customer under PIPL in one commit (design §12): directory entry, runs, scores and tags erased,
    /// messages found by customer key scrubbed, consent kept under a pseudonym with an `erase` entry.
    func forget(_ request: CustomerForget, completion: @escaping @Sendable (Result<ForgetResult, StoreError>) -> Void)

    /// Sets `privacy.pseudonym_key` (nil: the store keys pseudonyms itself) before any send, so admission checks
    /// the same pseudonyms a `forget` made (design §12).
    func usePseudonymKey(_ key: [UInt8]?)
}

extension CustomerStore {
    /// A store that keeps no consent under pseudonyms needs no key.
    public func usePseudonymKey(_ key: [UInt8]?) {}
}
