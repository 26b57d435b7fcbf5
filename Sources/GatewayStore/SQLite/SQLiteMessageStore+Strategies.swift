/// Strategy runs (design §3, §5): enrolments and advances go through the group commit under the commit budget;
/// the low-rate calls run in the writer's next transaction. Completions run after the commit.
extension SQLiteMessageStore {
    public func register(
        _ strategies: [StrategyRules], completion: @escaping @Sendable (Result<[String: Int], StoreError>) -> Void
    ) {
        perform(
            { writer, now, _ throws(StoreError) in try writer.register(strategies, now: now) }, completion: completion)
    }

    public func enrol(_ enrolments: [Enrolment], completion: @escaping @Sendable ([EnrolResult]) -> Void) -> Bool {
        guard !enrolments.isEmpty else {
            completion([])
            return true
        }
        return enqueue(enrolments, completion: completion)
    }

    public func advance(_ advances: [RunAdvance], completion: @escaping @Sendable ([AdvanceResult]) -> Void) {
        guard !advances.isEmpty else {
            completion([])
            return
        }
        enqueue(advances, completion: completion)
    }

    public func exit(
        _ selector: RunSelector, client: String, completion: @escaping @Sendable (Result<RunExit, StoreError>) -> Void
    ) {
        perform(
            { writer, now, _ throws(StoreError) in try writer.exitRun(selector, client: client, now: now) },
            completion: completion)
    }

    public func runs(
        of customer: String, limit: Int, completion: @escaping @Sendable (Result<[RunSnapshot], StoreError>) -> Void
    ) {
        perform(
            { writer, _, _ throws(StoreError) in try writer.runSnapshots(of: customer, limit: limit) },
            completion: completion)
    }

    public func strategies(completion: @escaping @Sendable (Result<[StrategyVersionInfo], StoreError>) -> Void) {
        perform({ writer, _, _ throws(StoreError) in try writer.strategyList() }, completion: completion)
    }

    public func migrate(
        strategy: String, moves: [String: String], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        migrate(strategy: strategy, moves: moves, movedSoFar: 0, completion: completion)
    }

    /// One commit of a migrate sweep; a full batch queues the next behind whatever arrived meanwhile.
    private func migrate(
        strategy: String, moves: [String: String], movedSoFar: Int,
        completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        guard !moves.isEmpty else {
            completion(.success(movedSoFar))
            return
        }
        let limit = migrateBatch
        perform(
            { writer, now, _ throws(StoreError) in
                try writer.migrateRuns(strategy: strategy, moves: moves, limit: limit, now: now)
            },
            completion: { [self] result in
                switch result {
                case .success(let moved) where moved >= limit:
                    migrate(strategy: strategy, moves: moves, movedSoFar: movedSoFar + moved, completion: completion)
                case .success(let moved):
                    completion(.success(movedSoFar + moved))
                case .failure(let error):
                    completion(.failure(error))
                }
            })
    }

    public func makeStrategyReader() throws(StoreError) -> any StrategyReading {
        try SQLiteStrategyReader(database: readConnection(), cipher: strategyCipher)
    }
}
