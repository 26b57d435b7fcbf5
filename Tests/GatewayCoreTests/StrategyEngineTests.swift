import ControlProtocol
import GatewayConfig
import GatewayStore
import Logging
import Synchronization
import Testing

@testable import GatewayCore

/// The engine one turn at a time against an in-memory store: due timers fire in one batch, stale ones are
/// dropped, a run's next timer waits while its advance is in flight, lateness is split live / catch-up.
@Suite(.serialized)
struct StrategyEngineTests {
    final class Clock: WallClock, MonotonicClock {
        private let milliseconds: Atomic<Int64>
        init(_ start: Int64) { milliseconds = Atomic(start) }
        var nowMilliseconds: Int64 { milliseconds.load(ordering: .relaxed) }
        var nowNanoseconds: Int64 { nowMilliseconds * 1_000_000 }
        func advance(milliseconds delta: Int64) { milliseconds.add(delta, ordering: .relaxed) }
    }

    /// Timers and runs in memory; advances are kept with their completions for the test to answer.
    final class FakeStore: StrategyStore, StrategyReading, @unchecked Sendable {
        struct State {
            var timers: [DueTimer] = []
            var runs: [Int64: RunSnapshot] = [:]
            var batches: [([RunAdvance], @Sendable ([AdvanceResult]) -> Void)] = []
        }

        let state = Mutex(State())

        func register(
            _ strategies: [StrategyRules], completion: @escaping @Sendable (Result<[String: Int], StoreError>) -> Void
        ) { completion(.success([:])) }
        func enrol(_ enrolments: [Enrolment], completion: @escaping @Sendable ([EnrolResult]) -> Void) -> Bool {
            false
        }
        func advance(_ advances: [RunAdvance], completion: @escaping @Sendable ([AdvanceResult]) -> Void) {
            state.withLock { $0.batches.append((advances, completion)) }
        }
        func exit(
            _ selector: RunSelector, client: String,
            completion: @escaping @Sendable (Result<RunExit, StoreError>) -> Void
        ) { completion(.success(.notFound)) }
        func runs(
            of customer: String, limit: Int,
            completion: @escaping @Sendable (Result<[RunSnapshot], StoreError>) -> Void
        ) { completion(.success([])) }
        func strategies(completion: @escaping @Sendable (Result<[StrategyVersionInfo], StoreError>) -> Void) {
            completion(.success([]))
        }
        func onTimers(_ handler: @escaping @Sendable (Int64) -> Void) {}
        func onHolds(_ handler: @escaping @Sendable (HeldRuns) -> Void) {}
        func migrate(
            strategy: String, moves: [String: String], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
        ) { completion(.success(0)) }
        func makeStrategyReader() throws(StoreError) -> any StrategyReading { self }

        func dueTimers(after cursor: DueTimer.Cursor, through: Int64, limit: Int) throws(StoreError) -> [DueTimer] {
            let timers = state.withLock { $0.timers }
            return Array(
                timers.filter { cursor < $0.cursor && $0.dueAt <= through }.sorted { $0.cursor < $1.cursor }
                    .prefix(limit))
        }
        func runs(_ ids: [Int64], parts: (String, Int) -> CustomerFacts.Parts) throws(StoreError) -> [RunSnapshot] {
            let runs = state.withLock { $0.runs }
            return ids.compactMap { runs[$0] }
        }
        func definitionSource(strategy: String, version: Int) throws(StoreError) -> String? { nil }

        /// Adds a ready run with its timer.
        func park(_ runID: Int64, dueAt: Int64, rev: Int64 = 1, runRev: Int64? = nil) {
            state.withLock { state in
                state.timers.removeAll { $0.runID == runID }
                state.timers.append(DueTimer(runID: runID, dueAt: dueAt, rev: rev, kind: .wake))
                state.runs[runID] = RunSnapshot(
                    runID: runID, strategy: "s", version: 1, state: .ready, step: "t", rev: runRev ?? rev, visits: 0,
                    holdout: false, startedAt: 0, updatedAt: 0, customer: CustomerFacts(id: "c\(runID)"))
            }
        }

        /// Answers the oldest batch: every advance committed (its timer consumed), or `lost` for `losers`.
        func commitOldest(losing losers: Set<Int64> = []) {
            let (advances, completion) = state.withLock { state in
                let batch = state.batches.removeFirst()
                state.timers.removeAll { timer in
                    batch.0.contains { $0.runID == timer.runID && $0.expectedRev == timer.rev }
                }
                return batch
            }
            completion(
                advances.map { advance in
                    losers.contains(advance.runID)
                        ? .lost(runID: advance.runID)
                        : .advanced(runID: advance.runID, rev: advance.expectedRev + 1, state: .finished, send: nil)
                })
        }

        var submitted: [[Int64]] { state.withLock { $0.batches.map { $0.0.map(\.runID) } } }
    }

    static let start: Int64 = 1_700_000_000_000
    static let definition = StrategyDefinition(
        name: "s",
        steps: [StrategyStep(id: "t", kind: .tag(TagStep(add: ["x"]))), StrategyStep(id: "end", kind: .stop)])

    static func engine(
        _ store: FakeStore, clock: Clock, settings: StrategySettings = StrategySettings()
    ) throws -> StrategyEngine {
        let engine = StrategyEngine(
            store: store, channels: [:], settings: settings, timeZone: "UTC", compile: { _, _ in nil },
            makeAccept: { _ in nil }, wallClock: clock, monotonicClock: clock, logger: Logger(label: "test"))
        engine.setStrategies([definition], versions: ["s": 1])
        try engine.openReader()
        return engine
    }

    @Test func firesDueTimersInOneBatchAndDropsStaleOnes() throws {
        let clock = Clock(Self.start)
        let store = FakeStore()
        store.park(1, dueAt: Self.start - 60_000)  // fell due while the daemon was down: catch-up
        store.park(2, dueAt: Self.start - 100)
        store.park(3, dueAt: Self.start + 60_000)  // not due yet
        store.park(4, dueAt: Self.start - 50, rev: 2, runRev: 3)  // the run moved on: stale
        let engine = try Self.engine(store, clock: clock)
        _ = engine.turn()
        #expect(store.submitted == [[2, 1]])
        #expect(engine.counters.stale.load(ordering: .relaxed) == 1)
        #expect(engine.counters.catchUpFires.load(ordering: .relaxed) == 1)
        #expect(engine.counters.liveFires.load(ordering: .relaxed) == 2)

        clock.advance(milliseconds: 40)
        store.commitOldest()
        _ = engine.turn()
        #expect(engine.counters.advanced.load(ordering: .relaxed) == 2)
        #expect(engine.counters.liveLateness.snapshot().count == 1)
        #expect(engine.counters.catchUpLateness.snapshot().count == 1)
        #expect(engine.counters.inFlight.load(ordering: .relaxed) == 0)
        #expect(engine.counters.stepCounts[StrategyCounters.StepKey(strategy: "s", step: "t", outcome: "tagged")] == 2)
        // Nothing fires twice, and the future timer fires once it is due.
        _ = engine.turn()
        #expect(store.submitted.isEmpty)
        clock.advance(milliseconds: 60_000)
        _ = engine.turn()
        #expect(store.submitted == [[3]])
    }

    @Test func aRunsNextTimerWaitsForItsAdvanceInFlight() throws {
        let clock = Clock(Self.start)
        let store = FakeStore()
        store.park(7, dueAt: Self.start - 10)
        let engine = try Self.engine(store, clock: clock)
        _ = engine.turn()
        #expect(store.submitted == [[7]])
        // An event settled the run (rev 2, wake due now) before the engine heard of its own commit.
        store.park(7, dueAt: Self.start, rev: 2)
        engine.timersAdded(earliestDue: Self.start)
        _ = engine.turn()
        #expect(store.submitted == [[7]], "held while the first advance is in flight")
        store.commitOldest(losing: [7])
        _ = engine.turn()
        #expect(engine.counters.casLost.load(ordering: .relaxed) == 1)
        #expect(store.submitted == [[7]])
        #expect(store.state.withLock { $0.batches.first?.0.first?.expectedRev } == 2)
    }

    @Test func batchesInFlightAreBoundedAndACommitLetsTheNextGo() throws {
        let clock = Clock(Self.start)
        let store = FakeStore()
        for run in 1...20 { store.park(Int64(run), dueAt: Self.start - 100 + Int64(run)) }
        let engine = try Self.engine(store, clock: clock, settings: StrategySettings(commitBudget: 2))
        for _ in 0..<10 { _ = engine.turn() }
        // Batches of the commit budget, at most three of them uncommitted.
        #expect(store.submitted == [[1, 2], [3, 4], [5, 6]])
        store.commitOldest()
        _ = engine.turn()
        #expect(store.submitted == [[3, 4], [5, 6], [7, 8]])
    }

    /// A dispatcher backlog past `catch_up_max_backlog` holds catch-up fires only: live timers keep firing.
    @Test func aDispatcherBacklogPausesCatchUpButNotLiveFires() throws {
        let clock = Clock(Self.start)
        let store = FakeStore()
        store.park(1, dueAt: Self.start - 60_000)  // catch-up
        store.park(2, dueAt: Self.start - 100)  // live
        let backlog = Atomic<Int>(60_000)
        let engine = StrategyEngine(
            store: store, channels: [:], settings: StrategySettings(), timeZone: "UTC", compile: { _, _ in nil },
            makeAccept: { _ in nil }, backlog: { backlog.load(ordering: .relaxed) }, wallClock: clock,
            monotonicClock: clock, logger: Logger(label: "test"))
        engine.setStrategies([Self.definition], versions: ["s": 1])
        try engine.openReader()
        _ = engine.turn()
        #expect(store.submitted == [[2]])
        #expect(engine.counters.catchUpFires.load(ordering: .relaxed) == 0)
        backlog.store(10, ordering: .relaxed)
        clock.advance(milliseconds: 10)
        _ = engine.turn()
        #expect(store.submitted == [[2], [1]])
        #expect(engine.counters.catchUpFires.load(ordering: .relaxed) == 1)
    }

    @Test func healthSaysStartingUntilRegisteredAndFirstTurnedAndNothingWithoutStrategies() throws {
        let clock = Clock(Self.start)
        let store = FakeStore()
        let engine = StrategyEngine(
            store: store, channels: [:], settings: StrategySettings(), timeZone: "UTC", compile: { _, _ in nil },
            makeAccept: { _ in nil }, wallClock: clock, monotonicClock: clock, logger: Logger(label: "test"))
        #expect(engine.readiness == nil, "no strategies registered")
        engine.setStrategies([Self.definition], versions: ["s": 1])
        #expect(engine.readiness == "starting")
        try engine.openReader()
        #expect(engine.readiness == "starting", "registered, but the engine has not turned yet")
        _ = engine.turn()
        #expect(engine.readiness == "ready")
        // A reload that removes every strategy: health leaves the field out again.
        engine.setStrategies([], versions: [:])
        #expect(engine.readiness == nil)
    }

    @Test func overdueTimersAreCountedEveryFiveSecondsOnly() throws {
        let clock = Clock(Self.start)
        let store = FakeStore()
        store.park(1, dueAt: Self.start - 60_000)
        store.park(2, dueAt: Self.start - 6_000)
        store.park(3, dueAt: Self.start - 1_000)  // late, but not yet overdue
        let engine = try Self.engine(store, clock: clock)
        _ = engine.turn()
        #expect(engine.counters.overdue.load(ordering: .relaxed) == 2)
        // Their advances commit (timers consumed): the gauge keeps its value until the next count is due.
        store.commitOldest()
        clock.advance(milliseconds: 1_000)
        _ = engine.turn()
        #expect(engine.counters.overdue.load(ordering: .relaxed) == 2)
        clock.advance(milliseconds: 4_000)
        _ = engine.turn()
        #expect(engine.counters.overdue.load(ordering: .relaxed) == 0)
    }

    @Test func enrolmentsAreCountedWithBoundedLabels() {
        let counters = EnrolmentCounters()
        counters.count(
            strategy: "s",
            [
                .enrolled(runID: 1, version: 1, holdout: false), .enrolled(runID: 2, version: 1, holdout: true),
                .duplicate(runID: 1), .refused(.active), .failed(.closed),
            ])
        counters.count(strategy: "made-up-by-a-caller", [.refused(.unknownStrategy)])
        for index in 0..<EnrolmentCounters.maxStrategies { counters.count(strategy: "x\(index)", [.refused(.once)]) }
        let counts = Dictionary(uniqueKeysWithValues: counters.counts.map { ("\($0.0.strategy)/\($0.0.result)", $0.1) })
        #expect(counts["s/enrolled"] == 1)
        #expect(counts["s/holdout"] == 1)
        #expect(counts["s/duplicate"] == 1)
        #expect(counts["s/active"] == 1)
        #expect(counts["s/failed"] == 1)
        #expect(counts["unknown/unknown_strategy"] == 1)
        #expect(counts.keys.allSatisfy { !$0.hasPrefix("made-up") })
        #expect(counts["other/once"] == 1, "the 65th strategy shares `other`")
        #expect(Set(counts.keys.map { String($0.split(separator: "/")[1]) }).isSubset(of: EnrolmentCounters.results))
    }
}
