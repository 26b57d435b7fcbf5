import ChannelKit
import ControlProtocol
import Foundation
public import GatewayConfig
public import GatewayStore
import Glibc
public import Logging
import Synchronization

/// Fires strategy timers: reads due `run_timers` rows into a bounded horizon, loads the runs they wake,
/// interprets their steps (``StepInterpreter``, pure) and hands the store one `advance` batch per turn, all on
/// one thread, like the ``Dispatcher``.
///
/// The store is the engine's memory: a timer is consumed only by the commit of its run's advance (timer delete,
/// compare-and-set, message insert in one transaction), so a crash before that commit fires it again after the
/// restart and one after it never does. Nothing here outlives a restart that is not rebuilt from the timer
/// index. Timers that fell due more than 2 s before the engine started are *catch-up*: fired at `catch_up_rate`
/// from what live fires leave, so a backlog after downtime does not starve live sends.
public final class StrategyEngine: @unchecked Sendable {
    /// Timers read ahead of now (ms): the horizon holds what falls due in this window.
    static let lookAhead: Int64 = 2_000
    /// Timers read per query.
    static let readLimit = 2_000
    /// The longest the thread sleeps without a reason to wake (it also turns this often to read new timers).
    static let idleWaitNanoseconds: Int64 = 250_000_000
    /// Advance batches (of up to `commit_budget` runs) submitted and not yet committed, at most.
    static let batchesInFlight = 3
    /// A timer this long past due (ms) and not yet consumed counts as overdue.
    static let overdueAfter: Int64 = 5_000
    /// How often (ms) the overdue timers are counted, and the most counted.
    static let overdueInterval: Int64 = 5_000
    static let overdueLimit = 10_000

    /// What the store answered for one submitted batch.
    private struct Completion {
        var advances: [RunAdvance]
        var results: [AdvanceResult]
        var committedAt: Int64
    }

    /// A submitted advance until its commit.
    private struct Pending {
        var strategy: String
        var timer: DueTimer
        var catchUp: Bool
    }

    // Guarded by `condition`: the inbox and the lifecycle flags.
    private let condition = NSCondition()
    private var completions: [Completion] = []
    private var lowered: Int64?
    private var pendingCatalog: (definitions: [StrategyDefinition], versions: [String: Int])?
    private var pendingChannels: [String: String]?
    private var pendingSettings: (settings: StrategySettings, timeZone: String)?
    private var stopping = false
    private var stopped = true
    private let heartbeat = Atomic<Int64>(0)
    /// Strategies the last registration handed over (`health` leaves `strategies` out at zero).
    private let configured = Atomic<Int>(0)
    /// Registration finished and a turn has read the timer index since: `health` says `ready`.
    private let readied = Atomic<Bool>(false)

    // Owned by the engine thread.
    private var live: TimerHorizon
    private var catchUp: TimerHorizon
    private var liveCursor: DueTimer.Cursor
    private var catchUpCursor = DueTimer.Cursor.start
    private var catchUpDone = false
    /// Timers due before this (epoch ms) are catch-up.
    private let catchUpBefore: Int64
    /// `(run, rev)` of every timer in a horizon: a row read twice (the cursor was lowered) is kept once.
    private var queued: Set<DueTimer> = []
    private var inFlight: [Int64: Pending] = [:]
    /// Timers of runs whose advance is in flight, held until it commits (then fired or found stale).
    private var blocked: [Int64: DueTimer] = [:]
    private var budget: FireBudget
    private var catalog: StrategyCatalog
    private var settings: StrategySettings
    private var timeZone: String
    private var kinds: [String: String]
    private var reader: (any StrategyReading)?
    private var lastReadFailure: Int64 = 0
    /// A registration's definitions reached the catalog (engine thread).
    private var catalogApplied = false
    /// When the overdue gauge was last counted (epoch ms).
    private var lastOverdueCount: Int64?

    private let store: any StrategyStore
    private let makeAccept: @Sendable (SendRequest) -> AcceptRequest?
    private let unhealthy: @Sendable () -> Set<String>
    private let backlog: @Sendable () -> Int
    private let wallClock: any WallClock
    private let monotonicClock: any MonotonicClock
    private let logger: Logger
    /// Counters for `/metrics`.
    let counters = StrategyCounters()
    private var thread: Thread?

    /// - Parameters:
    ///   - store: timers, runs and advances.
    ///   - channels: active instance name → channel type.
    ///   - settings: `strategies:` of gateway.yaml.
    ///   - timeZone: the gateway's `timezone` (local-time waits of customers without a zone).
    ///   - compile: compiles a stored version's source (name, text) into a definition.
    ///   - makeAccept: the `send` operation's validation of one send (instance, template, links, message id).
    ///   - unhealthy: instances paused or held now (skipped while another candidate can take a send).
    ///   - backlog: messages queued in the dispatcher; catch-up fires pause above `catch_up_max_backlog`.
    init(
        store: any StrategyStore, channels: [String: String], settings: StrategySettings, timeZone: String,
        compile: @escaping @Sendable (String, String) -> StrategyDefinition?,
        makeAccept: @escaping @Sendable (SendRequest) -> AcceptRequest?,
        unhealthy: @escaping @Sendable () -> Set<String> = { [] }, backlog: @escaping @Sendable () -> Int = { 0 },
        wallClock: any WallClock, monotonicClock: any MonotonicClock, logger: Logger
    ) {
        self.store = store
        self.kinds = channels
        self.settings = settings
        self.timeZone = timeZone
        self.makeAccept = makeAccept
        self.unhealthy = unhealthy
        self.backlog = backlog
        self.wallClock = wallClock
        self.monotonicClock = monotonicClock
        self.logger = logger
        catalog = StrategyCatalog(compile: compile)
        let now = wallClock.nowMilliseconds
        catchUpBefore = now - Self.lookAhead
        liveCursor = DueTimer.Cursor(dueAt: catchUpBefore - 1, runID: .max)
        live = TimerHorizon(capacity: settings.horizonEntries)
        catchUp = TimerHorizon(capacity: min(settings.horizonEntries, max(1_000, settings.catchUpRate * 5)))
        budget = FireBudget(
            liveRate: settings.maxFireRate, catchUpRate: settings.catchUpRate, now: monotonicClock.nowNanoseconds)
    }

    /// Opens the engine's reader and starts its thread.
    public func start() throws(StoreError) {
        try openReader()
        condition.lock()
        stopped = false
        condition.unlock()
        let thread = Thread { [self] in
            ThreadNaming.nameCurrentThread("strategy-engine")
            run()
        }
        self.thread = thread
        thread.start()
    }

    /// Opens the engine's reader; ``start()`` does this before its thread's first turn (tests that drive
    /// ``turn()`` themselves call it alone).
    func openReader() throws(StoreError) {
        reader = try store.makeStrategyReader()
        heartbeat.store(monotonicClock.nowNanoseconds, ordering: .relaxed)
    }

    /// Stops firing and returns once the thread has ended. Advances already submitted commit (or not) in the
    /// store; their timers are consumed only if they do.
    public func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    /// The store committed timers, the earliest due at `earliestDue`: read again from there.
    public func timersAdded(earliestDue: Int64) {
        condition.lock()
        lowered = min(lowered ?? .max, earliestDue)
        condition.signal()
        condition.unlock()
    }

    /// The definitions a start or reload registered, with the version each got.
    public func setStrategies(_ definitions: [StrategyDefinition], versions: [String: Int]) {
        configured.store(definitions.count, ordering: .relaxed)
        condition.lock()
        pendingCatalog = (definitions, versions)
        condition.signal()
        condition.unlock()
    }

    /// A reload: the instances now active (name → channel type), settings and zone.
    public func reconfigure(channels: [String: String], settings: StrategySettings, timeZone: String) {
        condition.lock()
        pendingChannels = channels
        pendingSettings = (settings, timeZone)
        condition.signal()
        condition.unlock()
    }

    /// Monotonic nanoseconds of the engine loop's last turn (it turns at least every 250 ms while running).
    public var lastTurn: Int64 { heartbeat.load(ordering: .relaxed) }

    /// `health`'s `strategies`: `starting` until registration finished and a turn read the timer index,
    /// `ready` after; `nil` when no strategies are configured.
    public var readiness: String? {
        guard configured.load(ordering: .relaxed) > 0 else { return nil }
        return readied.load(ordering: .relaxed) ? "ready" : "starting"
    }

    /// Whether the thread is running.
    public var isRunning: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !stopped
    }

    // MARK: - The engine thread

    private func run() {
        // Named for the kernel, from the thread itself, so `top -H` and `perf` show it (Foundation's name is not).
        if let file = fopen("/proc/thread-self/comm", "w") {
            fputs("strategy-engine", file)
            fclose(file)
        }
        while let wait = turn() {
            condition.lock()
            if completions.isEmpty && lowered == nil && pendingCatalog == nil && pendingChannels == nil && !stopping
                && wait > 0
            {
                _ = condition.wait(until: Date(timeIntervalSinceNow: Double(min(wait, Self.idleWaitNanoseconds)) / 1e9))
            }
            condition.unlock()
        }
    }

    /// One turn: takes the inbox, settles completions, refills the horizons, fires what is due within the budget
    /// and submits one advance batch.
    /// - Returns: nanoseconds until the next turn is needed; `nil` once stopped.
    func turn() -> Int64? {
        condition.lock()
        let arrived = completions
        completions.removeAll(keepingCapacity: true)
        let lowest = lowered
        lowered = nil
        let newCatalog = pendingCatalog
        pendingCatalog = nil
        let newChannels = pendingChannels
        pendingChannels = nil
        let newSettings = pendingSettings
        pendingSettings = nil
        if stopping {
            stopped = true
            condition.broadcast()
            condition.unlock()
            return nil
        }
        condition.unlock()

        heartbeat.store(monotonicClock.nowNanoseconds, ordering: .relaxed)
        if let newCatalog {
            catalog.replace(newCatalog.definitions, versions: newCatalog.versions)
            catalogApplied = true
        }
        if let newChannels { kinds = newChannels }
        if let newSettings {
            settings = newSettings.settings
            timeZone = newSettings.timeZone
            budget.reconfigure(
                liveRate: settings.maxFireRate, catchUpRate: settings.catchUpRate,
                now: monotonicClock.nowNanoseconds)
        }
        for completion in arrived { settle(completion) }
        if let lowest {
            let floor = DueTimer.Cursor(dueAt: max(lowest, catchUpBefore), runID: .min)
            if floor < liveCursor { liveCursor = floor }
        }
        guard let reader else { return Self.idleWaitNanoseconds }
        let now = wallClock.nowMilliseconds
        do {
            try refill(reader, now: now)
            try countOverdue(reader, now: now)
        } catch {
            return readFailed(error, now: now)
        }
        if catalogApplied { readied.store(true, ordering: .relaxed) }
        let (fired, more) = takeDue(now: now)
        counters.horizon.store(live.count + catchUp.count, ordering: .relaxed)
        if !fired.isEmpty {
            do {
                try submit(fired, reader: reader, now: now)
            } catch {
                // Not consumed: put them back and try again after the pause.
                for timer in fired { requeue(timer) }
                return readFailed(error, now: now)
            }
        }
        return more ? 0 : nextWake(now: now)
    }

    private func readFailed(_ error: StoreError, now: Int64) -> Int64 {
        if now - lastReadFailure > 10_000 {
            logger.error("strategy engine: reading timers failed", metadata: ["error": "\(error)"])
            lastReadFailure = now
        }
        return 1_000_000_000
    }

    /// Reads due timers into the horizons: the catch-up range once through, the live range up to now + 2 s.
    private func refill(_ reader: any StrategyReading, now: Int64) throws(StoreError) {
        var reads = 0
        while !catchUpDone, catchUp.room > 0, reads < 4 {
            let limit = min(Self.readLimit, catchUp.room)
            let batch = try reader.dueTimers(after: catchUpCursor, through: catchUpBefore - 1, limit: limit)
            reads += 1
            for timer in batch { enqueue(timer) }
            if let last = batch.last, last.cursor > catchUpCursor { catchUpCursor = last.cursor }
            if batch.count < limit { catchUpDone = true }
        }
        reads = 0
        while live.room > 0, reads < 8 {
            let limit = min(Self.readLimit, live.room)
            let batch = try reader.dueTimers(after: liveCursor, through: now + Self.lookAhead, limit: limit)
            reads += 1
            for timer in batch { enqueue(timer) }
            if let last = batch.last, last.cursor > liveCursor { liveCursor = last.cursor }
            if batch.count < limit { break }
        }
    }

    /// Timers more than ``overdueAfter`` past due and still in the store, for the gauge: counted at most every
    /// ``overdueInterval`` and at most ``overdueLimit`` (a backlog past that reads as the limit).
    private func countOverdue(_ reader: any StrategyReading, now: Int64) throws(StoreError) {
        if let last = lastOverdueCount, now - last < Self.overdueInterval { return }
        lastOverdueCount = now
        let overdue = try reader.dueTimers(after: .start, through: now - Self.overdueAfter, limit: Self.overdueLimit)
        counters.overdue.store(overdue.count, ordering: .relaxed)
    }

    /// Adds a timer read from the store to its horizon, once. When the horizon is full the cursor is moved back
    /// before it, so it is read again once there is room.
    private func enqueue(_ timer: DueTimer) {
        guard !queued.contains(timer) else { return }
        if inFlight[timer.runID] != nil {
            hold(timer)
            return
        }
        let isCatchUp = timer.dueAt < catchUpBefore
        if isCatchUp ? catchUp.insert(timer) : live.insert(timer) {
            queued.insert(timer)
            return
        }
        let before = DueTimer.Cursor(dueAt: timer.dueAt, runID: timer.runID - 1)
        if isCatchUp {
            if before < catchUpCursor { catchUpCursor = before }
            catchUpDone = false
        } else if before < liveCursor {
            liveCursor = before
        }
    }

    /// Keeps a timer of a run whose advance is in flight until that commits (the newest revision wins).
    private func hold(_ timer: DueTimer) {
        if let held = blocked[timer.runID], held.rev >= timer.rev { return }
        blocked[timer.runID] = timer
    }

    /// Puts a timer that was taken but not submitted back.
    private func requeue(_ timer: DueTimer) {
        queued.remove(timer)
        enqueue(timer)
    }

    /// Takes the due timers the budget allows, live first, at most a commit budget's worth.
    /// - Returns: the timers, and whether more are due now.
    private func takeDue(now: Int64) -> ([DueTimer], Bool) {
        var fired: [DueTimer] = []
        // At most a few commits' worth in flight: more would only queue in the writer, ahead of plain sends,
        // and hold their messages in memory. A completion wakes the thread for the next batch.
        let budget = max(1, settings.commitBudget)
        let limit = min(budget, Self.batchesInFlight * budget - inFlight.count)
        if limit <= 0 { return (fired, false) }
        var byRun: [Int64: Int] = [:]
        let monotonicNow = monotonicClock.nowNanoseconds
        var liveOpen = true
        // Only catch-up waits for the dispatcher's backlog to drain: live fires are bounded by the writer (the
        // batches in flight above) and `max_fire_rate`; the messages they queue are durable rows the dispatcher
        // pages in, so a backlog of them delays sends, not timers.
        var catchUpOpen = !catchUp.isEmpty && backlog() <= settings.catchUpMaxBacklog
        while fired.count < limit, liveOpen || catchUpOpen {
            var taken: DueTimer?
            if liveOpen {
                if let head = live.first, head.dueAt <= now, self.budget.takeLive(now: monotonicNow) {
                    taken = live.popFirst()
                    counters.liveFires.add(1, ordering: .relaxed)
                } else {
                    liveOpen = false
                }
            }
            if taken == nil, catchUpOpen {
                if !catchUp.isEmpty, self.budget.takeCatchUp(now: monotonicNow) {
                    taken = catchUp.popFirst()
                    counters.catchUpFires.add(1, ordering: .relaxed)
                } else {
                    catchUpOpen = false
                }
            }
            guard let timer = taken else { continue }
            queued.remove(timer)
            if inFlight[timer.runID] != nil {
                hold(timer)
                continue
            }
            // Two revisions of one run's timer in a batch: only the newer can win its compare-and-set.
            if let index = byRun[timer.runID] {
                if fired[index].rev < timer.rev { fired[index] = timer }
                counters.stale.add(1, ordering: .relaxed)
                continue
            }
            byRun[timer.runID] = fired.count
            fired.append(timer)
        }
        let moreDue =
            fired.count >= limit && inFlight.count + fired.count < Self.batchesInFlight * budget
            && ((live.first.map { $0.dueAt <= now } ?? false) || !catchUp.isEmpty)
        return (fired, moreDue)
    }

    /// Loads the runs, interprets them and submits one advance batch.
    private func submit(_ fired: [DueTimer], reader: any StrategyReading, now: Int64) throws(StoreError) {
        // Per strategy version, the optional facts its steps read (a query each per run when asked for).
        var partsByVersion: [String: (version: Int, parts: CustomerFacts.Parts)] = [:]
        let snapshots = try reader.runs(fired.map(\.runID)) { strategy, version in
            if let known = partsByVersion[strategy], known.version == version { return known.parts }
            let definition = catalog.definition(strategy, version: version) { () throws(StoreError) in
                try reader.definitionSource(strategy: strategy, version: version)
            }
            let parts = definition?.customerParts ?? .all
            partsByVersion[strategy] = (version, parts)
            return parts
        }
        var byID: [Int64: RunSnapshot] = [:]
        byID.reserveCapacity(snapshots.count)
        for snapshot in snapshots { byID[snapshot.runID] = snapshot }
        let context = InterpreterContext(
            now: now, timeZone: timeZone, instances: ChannelChooser.Instances(kinds: kinds, unhealthy: unhealthy()),
            affinity: settings.affinity, deferralSpread: settings.quietHoursSpread.milliseconds,
            makeAccept: makeAccept)
        var advances: [RunAdvance] = []
        advances.reserveCapacity(fired.count)
        for timer in fired {
            // The run moved on since the timer was set (an event, an exit): its own new timer, if any, comes
            // through `timersAdded`; this one can only lose its compare-and-set.
            guard let run = byID[timer.runID], run.rev == timer.rev, run.state != .finished else {
                counters.stale.add(1, ordering: .relaxed)
                continue
            }
            let definition = catalog.definition(run.strategy, version: run.version) { () throws(StoreError) in
                try reader.definitionSource(strategy: run.strategy, version: run.version)
            }
            guard let definition else {
                counters.failed.add(1, ordering: .relaxed)
                logger.error(
                    "strategy engine: no definition for a run's version; its timer stays",
                    metadata: ["strategy": "\(run.strategy)", "version": "\(run.version)", "run_id": "\(run.runID)"])
                continue
            }
            guard let advance = StepInterpreter.advance(run, timer: timer, definition: definition, context: context)
            else {
                counters.stale.add(1, ordering: .relaxed)
                continue
            }
            inFlight[run.runID] = Pending(strategy: run.strategy, timer: timer, catchUp: timer.dueAt < catchUpBefore)
            advances.append(advance)
        }
        guard !advances.isEmpty else { return }
        let batch = advances
        counters.inFlight.store(inFlight.count, ordering: .relaxed)
        let wallClock = wallClock
        store.advance(batch) { [weak self] results in
            self?.completed(Completion(advances: batch, results: results, committedAt: wallClock.nowMilliseconds))
        }
    }

    /// Called on the store's thread after the commit.
    private func completed(_ completion: Completion) {
        condition.lock()
        completions.append(completion)
        condition.signal()
        condition.unlock()
    }

    /// Records what a committed batch came to and releases its runs.
    private func settle(_ completion: Completion) {
        var byRun: [Int64: RunAdvance] = [:]
        for advance in completion.advances { byRun[advance.runID] = advance }
        var rows: [(strategy: String, step: String, outcome: RunStepRecord.Outcome)] = []
        for result in completion.results {
            let runID: Int64
            switch result {
            case .advanced(let id, _, _, let send):
                runID = id
                counters.advanced.add(1, ordering: .relaxed)
                if let pending = inFlight[id] {
                    let lateness = max(0, completion.committedAt - pending.timer.dueAt)
                    (pending.catchUp ? counters.catchUpLateness : counters.liveLateness).observe(milliseconds: lateness)
                    if let advance = byRun[id] {
                        rows += Self.rows(of: advance, send: send, strategy: pending.strategy)
                    }
                }
            case .lost(let id):
                runID = id
                counters.casLost.add(1, ordering: .relaxed)
            case .failed(let id, let error):
                runID = id
                counters.failed.add(1, ordering: .relaxed)
                logger.error("strategy engine: advance failed", metadata: ["run_id": "\(id)", "error": "\(error)"])
                // Not consumed: read the timer row again.
                if let pending = inFlight[id], !pending.catchUp, pending.timer.cursor <= liveCursor {
                    liveCursor = DueTimer.Cursor(dueAt: pending.timer.dueAt, runID: id - 1)
                }
            }
            inFlight[runID] = nil
            if let held = blocked.removeValue(forKey: runID) { enqueue(held) }
        }
        // Results the store did not give (it should give one per advance) must not leave runs in flight forever.
        for advance in completion.advances where inFlight[advance.runID]?.timer.rev == advance.expectedRev {
            inFlight[advance.runID] = nil
            if let held = blocked.removeValue(forKey: advance.runID) { enqueue(held) }
        }
        counters.inFlight.store(inFlight.count, ordering: .relaxed)
        counters.countSteps(rows)
    }

    /// The history rows a committed advance wrote: its own, the send's, and those of the continuation taken.
    private static func rows(
        of advance: RunAdvance, send: AdvanceResult.SendOutcome?, strategy: String
    ) -> [(strategy: String, step: String, outcome: RunStepRecord.Outcome)] {
        var records = advance.effects.records
        if case .send(let plan) = advance.next {
            switch send {
            case .sent?:
                records.append(RunStepRecord(step: plan.step, kind: "send", outcome: .sent, at: advance.at))
                records += plan.onSent.effects.records
            case .suppressed(let reason)?:
                records.append(
                    RunStepRecord(step: plan.step, kind: "send", outcome: .suppressed(reason), at: advance.at))
                records += plan.onSuppressed.effects.records
            case .deferred?:
                records.append(RunStepRecord(step: plan.step, kind: "send", outcome: .deferred, at: advance.at))
            case nil:
                break
            }
        }
        return records.map { (strategy, $0.step, $0.outcome) }
    }

    /// Nanoseconds until something may be due or fireable.
    private func nextWake(now: Int64) -> Int64 {
        var wait = Self.idleWaitNanoseconds
        // Batches in flight at the limit: the next completion wakes the thread.
        if inFlight.count >= Self.batchesInFlight * max(1, settings.commitBudget) { return wait }
        if let head = live.first {
            if head.dueAt > now {
                wait = min(wait, (head.dueAt - now) * 1_000_000)
            } else {
                wait = min(wait, max(1_000_000, budget.nanosecondsUntilLive(now: monotonicClock.nowNanoseconds)))
            }
        }
        if !catchUp.isEmpty {
            wait = min(wait, max(1_000_000, budget.nanosecondsUntilCatchUp(now: monotonicClock.nowNanoseconds)))
        }
        return wait
    }
}
