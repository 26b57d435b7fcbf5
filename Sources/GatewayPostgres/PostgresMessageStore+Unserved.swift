public import GatewayStore

/// What the first PostgreSQL store does not serve: strategies, the customer directory and forget. Each answers
/// ``StoreError/unsupported(_:)`` and changes nothing; `gatewayd run` refuses a configuration with strategies on
/// this backend, so only a client's `customer`, `forget` or run command reaches these.
extension PostgresMessageStore {
    static func unserved(_ what: String) -> StoreError {
        .unsupported("\(what) is not served on store: postgresql in this release (it is on sqlite)")
    }

    public func upsertCustomers(
        _ upserts: [CustomerUpsert],
        completion: @escaping @Sendable ([Result<CustomerUpsert.Outcome, StoreError>]) -> Void
    ) -> Bool {
        completion(upserts.map { _ in .failure(Self.unserved("the customer directory")) })
        return true
    }

    public func customer(_ id: String, completion: @escaping @Sendable (Result<CustomerProfile?, StoreError>) -> Void) {
        completion(.failure(Self.unserved("the customer directory")))
    }

    public func forget(
        _ request: CustomerForget, completion: @escaping @Sendable (Result<ForgetResult, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("forget")))
    }

    public func register(
        _ strategies: [StrategyRules], completion: @escaping @Sendable (Result<[String: Int], StoreError>) -> Void
    ) {
        guard strategies.isEmpty else { return completion(.failure(Self.unserved("strategies"))) }
        completion(.success([:]))
    }

    public func enrol(_ enrolments: [Enrolment], completion: @escaping @Sendable ([EnrolResult]) -> Void) -> Bool {
        completion(enrolments.map { _ in .failed(Self.unserved("strategies")) })
        return true
    }

    public func advance(_ advances: [RunAdvance], completion: @escaping @Sendable ([AdvanceResult]) -> Void) {
        completion(advances.map { .failed(runID: $0.runID, Self.unserved("strategies")) })
    }

    public func exit(
        _ selector: RunSelector, client: String, completion: @escaping @Sendable (Result<RunExit, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("strategies")))
    }

    public func runs(
        of customer: String, limit: Int, completion: @escaping @Sendable (Result<[RunSnapshot], StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("strategies")))
    }

    public func strategies(completion: @escaping @Sendable (Result<[StrategyVersionInfo], StoreError>) -> Void) {
        completion(.success([]))
    }

    public func onTimers(_ handler: @escaping @Sendable (Int64) -> Void) {}

    public func onHolds(_ handler: @escaping @Sendable (HeldRuns) -> Void) {}

    public func migrate(
        strategy: String, moves: [String: String], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("strategies")))
    }

    public func makeStrategyReader() throws(StoreError) -> any StrategyReading {
        throw Self.unserved("strategies")
    }

    public func strategyReport(_ name: String, version: Int?) throws(StoreError) -> StrategyReport? { nil }
}
