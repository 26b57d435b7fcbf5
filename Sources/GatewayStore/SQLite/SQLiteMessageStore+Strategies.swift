// Placeholder conformance; replaced by the strategy run implementation.
extension SQLiteMessageStore {
    public func register(
        _ strategies: [StrategyRules], completion: @escaping @Sendable (Result<[String: Int], StoreError>) -> Void
    ) { completion(.failure(.closed)) }

    public func enrol(_ enrolments: [Enrolment], completion: @escaping @Sendable ([EnrolResult]) -> Void) -> Bool {
        completion(enrolments.map { _ in .failed(.closed) })
        return true
    }

    public func advance(_ advances: [RunAdvance], completion: @escaping @Sendable ([AdvanceResult]) -> Void) {
        completion(advances.map { .failed(runID: $0.runID, .closed) })
    }

    public func exit(
        _ selector: RunSelector, client: String, completion: @escaping @Sendable (Result<Int64?, StoreError>) -> Void
    ) { completion(.failure(.closed)) }

    public func runs(
        of customer: String, limit: Int, completion: @escaping @Sendable (Result<[RunSnapshot], StoreError>) -> Void
    ) { completion(.failure(.closed)) }

    public func strategies(completion: @escaping @Sendable (Result<[StrategyVersionInfo], StoreError>) -> Void) {
        completion(.failure(.closed))
    }

    public func onTimers(_ handler: @escaping @Sendable (Int64) -> Void) {}

    public func makeStrategyReader() throws(StoreError) -> any StrategyReading { throw .closed }
}
