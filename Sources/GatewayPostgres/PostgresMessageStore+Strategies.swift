import ChannelKit
public import GatewayConfig
public import GatewayStore
import Synchronization

/// Strategy runs on PostgreSQL (``PostgresRuns``): each call is one writer transaction, its step counters
/// written right before the commit; after the commit the engine hears of the timers it wrote and the dispatcher
/// of the runs it finished early.
extension PostgresMessageStore {
    /// What a runs transaction leaves for after its commit.
    struct RunsOutcome<Value: Sendable>: Sendable {
        var value: Value
        var earliestTimer: Int64?
        var held: HeldRuns
    }

    /// Runs `body` as a writer transaction with the run writer's per-transaction state, then tells the engine and
    /// the dispatcher, then `completion`.
    func performRuns<Value: Sendable>(
        _ body: @escaping @Sendable (PostgresRuns, inout PostgresTurn) throws(PostgresError) -> Value,
        completion: @escaping @Sendable (Result<Value, StoreError>) -> Void
    ) {
        let runs = runs
        perform(
            { turn throws(PostgresError) -> RunsOutcome<Value> in
                runs.beginTransaction()
                do throws(PostgresError) {
                    let value = try body(runs, &turn)
                    try runs.flushCounters(on: turn.connection)
                    return RunsOutcome(value: value, earliestTimer: runs.earliestTimer, held: runs.heldRuns)
                } catch {
                    // A registration this transaction cached is undone with it, and so are its pending writes.
                    runs.forgetStrategies()
                    runs.beginTransaction()
                    throw error
                }
            },
            completion: { [weak self] result in
                switch result {
                case .success(let outcome):
                    let (timers, holds) = self?.strategyHandlers.withLock { ($0.timers, $0.holds) } ?? (nil, nil)
                    if !outcome.held.isEmpty { holds?(outcome.held) }
                    if let earliest = outcome.earliestTimer { timers?(earliest) }
                    completion(.success(outcome.value))
                case .failure(let error):
                    completion(.failure(error))
                }
            })
    }

    /// Sets how long an enrol key answers `duplicate` with its first run (`strategies.enrol_key_window`).
    public func setEnrolKeyWindow(_ window: Duration) {
        let milliseconds = window.milliseconds
        performRuns({ runs, _ throws(PostgresError) in runs.enrolKeyWindow = milliseconds }, completion: { _ in })
    }

    /// Sets how channel scores decay and when `prefers:<type>` is earned, from the next transaction on.
    public func setAffinity(_ settings: AffinitySettings) {
        let score = ChannelScore(settings)
        performRuns({ runs, _ throws(PostgresError) in runs.score = score }, completion: { _ in })
    }

    public func register(
        _ strategies: [StrategyRules], completion: @escaping @Sendable (Result<[String: Int], StoreError>) -> Void
    ) {
        performRuns(
            { runs, turn throws(PostgresError) in try runs.register(strategies, on: turn.connection, now: turn.now) },
            completion: completion)
    }

    /// Enrolments or advances per transaction: a big batch commits in parts (as SQLite's pacer splits it over
    /// commits), so the sends queued meanwhile wait behind one part, not the whole batch.
    static let runsPerTransaction = 100

    /// The answers of a batch done in parts, gathered on the writer thread (parts complete in queue order).
    private final class Gathered<Answer>: @unchecked Sendable {
        var answers: [Answer] = []
    }

    /// Runs `body` over `items` in parts of ``runsPerTransaction``, each its own transaction, and answers once
    /// the last has committed; a part that fails answers `failed` for each of its items.
    private func inParts<Item: Sendable, Answer: Sendable>(
        _ items: [Item],
        _ body:
            @escaping @Sendable (ArraySlice<Item>, PostgresRuns, inout PostgresTurn) throws(PostgresError) -> [Answer],
        failed: @escaping @Sendable (Item, StoreError) -> Answer, completion: @escaping @Sendable ([Answer]) -> Void
    ) {
        let gathered = Gathered<Answer>()
        let starts = Array(stride(from: 0, to: items.count, by: Self.runsPerTransaction))
        for start in starts {
            let part = items[start..<min(start + Self.runsPerTransaction, items.count)]
            let last = start == starts.last
            performRuns(
                { runs, turn throws(PostgresError) in try body(part, runs, &turn) },
                completion: { result in
                    switch result {
                    case .success(let answers): gathered.answers += answers
                    case .failure(let error): gathered.answers += part.map { failed($0, error) }
                    }
                    if last { completion(gathered.answers) }
                })
        }
    }

    public func enrol(_ enrolments: [Enrolment], completion: @escaping @Sendable ([EnrolResult]) -> Void) -> Bool {
        guard !enrolments.isEmpty else {
            completion([])
            return true
        }
        inParts(
            enrolments, { part, runs, turn throws(PostgresError) in try runs.enrol(Array(part), turn: &turn) },
            failed: { _, error in .failed(error) }, completion: completion)
        return true
    }

    public func advance(_ advances: [RunAdvance], completion: @escaping @Sendable ([AdvanceResult]) -> Void) {
        guard !advances.isEmpty else { return completion([]) }
        let intake = intake
        let policy = currentAdmissionPolicy
        inParts(
            advances,
            { part, runs, turn throws(PostgresError) in
                try runs.advance(Array(part), policy: policy, intake: intake, turn: &turn)
            }, failed: { advance, error in .failed(runID: advance.runID, error) }, completion: completion)
    }

    public func exit(
        _ selector: RunSelector, client: String, completion: @escaping @Sendable (Result<RunExit, StoreError>) -> Void
    ) {
        performRuns(
            { runs, turn throws(PostgresError) in try runs.exitRun(selector, turn: &turn) }, completion: completion)
    }

    public func runs(
        of customer: String, limit: Int, completion: @escaping @Sendable (Result<[RunSnapshot], StoreError>) -> Void
    ) {
        let runs = runs
        read(
            { connection throws(PostgresError) in try runs.runSnapshots(of: customer, limit: limit, on: connection) },
            completion: completion)
    }

    public func strategies(completion: @escaping @Sendable (Result<[StrategyVersionInfo], StoreError>) -> Void) {
        read(
            { connection throws(PostgresError) in try PostgresRuns.strategyList(on: connection) },
            completion: completion)
    }

    public func onTimers(_ handler: @escaping @Sendable (Int64) -> Void) {
        strategyHandlers.withLock { $0.timers = handler }
    }

    public func onHolds(_ handler: @escaping @Sendable (HeldRuns) -> Void) {
        strategyHandlers.withLock { $0.holds = handler }
    }

    public func migrate(
        strategy: String, moves: [String: String], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        migrate(strategy: strategy, moves: moves, movedSoFar: 0, completion: completion)
    }

    /// Runs one `migrate` moves per commit at most, so the sweep never holds the writer for long.
    static let migrateBatch = 5000

    /// One commit of a migrate sweep; a full batch queues the next behind whatever arrived meanwhile.
    private func migrate(
        strategy: String, moves: [String: String], movedSoFar: Int,
        completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        guard !moves.isEmpty else { return completion(.success(movedSoFar)) }
        let limit = Self.migrateBatch
        performRuns(
            { runs, turn throws(PostgresError) in
                try runs.migrateRuns(strategy: strategy, moves: moves, limit: limit, turn: &turn)
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
        PostgresStrategyReader(connection: try readConnection("strategies"), cipher: cipher, node: node)
    }
}
