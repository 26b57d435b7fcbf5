public import ChannelKit
import Foundation
public import GatewayConfig
public import Logging
import Synchronization

/// The embedded store: SQLite in WAL mode, written by one thread that group-commits.
///
/// Every client's `send` becomes an item on the intake queue; the writer thread takes everything queued,
/// runs it in one transaction (dedup lookups, inserts, the dispatcher's attempt records) and commits with
/// `synchronous=FULL`, then answers every waiting client at once. One fsync therefore covers as many sends as
/// arrived while the previous commit ran, so durability costs latency, not throughput.
///
/// The embedded default behind ``MessageStoring``: only the wiring names this class.
public final class SQLiteMessageStore: MessageStoring, @unchecked Sendable {
    // State below is guarded by `condition`; the database handles are touched only by the writer thread.
    private let path: String
    private let dedupWindow: Int64
    private let retention: Int64
    private let cipher: FieldCipher
    private let maxPendingAccepts: Int
    private let clock: any WallClock
    private let logger: Logger
    private let condition = NSCondition()
    private var operations: [StoreOperation] = []
    private var pendingAccepts = 0
    private var closing = false
    private var thread: Thread?
    /// Copies the write-ahead log back on a thread of its own; stopped when the writer stops.
    private let checkpointer: WALCheckpointer
    private let finished = NSCondition()
    private var isFinished = false
    private let commits = Atomic<Int>(0)
    private let heartbeat = Atomic<Int64>(0)
    /// Committed state changes, for `subscribe`.
    public let feed = ChangeFeed()
    private let outboxEnabled = Atomic<Bool>(false)
    private var pollDelays: [String: Int64] = [:]
    private let outboxWaiters = Mutex<[@Sendable () -> Void]>([])
    /// Sent → delivered latency of matched delivery receipts (seconds buckets, for `/metrics`).
    public let receiptLatency = LatencyHistogram(bounds: [1, 5, 15, 60, 300, 1800, 3600, 21_600, 86_400])
    private var committedChannels: @Sendable ([String: LaneCounts]) -> Void = { _ in }
    private var policy = AdmissionPolicy(PolicyConfiguration())
    /// The database file as opened; checked before every commit, so a deleted store is noticed at once.
    private let identity: FileIdentity?
    private var lost = false
    private var lostHandler: @Sendable (StoreError) -> Void = { _ in }
    /// Enrolments and advances one commit takes at most; the rest wait for the next turn (design §3).
    private var strategyCommitBudget = 500
    /// Sizes strategy commits by their measured cost (writer thread; read by `takeBatch` under `condition`).
    private var pacer = CommitPacer()
    private var timersHandler: @Sendable (Int64) -> Void = { _ in }
    private var holdsHandler: @Sendable (HeldRuns) -> Void = { _ in }
    /// Runs one commit of a `migrate` sweep moves at most (tests lower it to see a sweep over several commits).
    var migrateBatch = StoreWriter.migrateBatch
    private var enrolKeyWindow: Int64 = 30 * 86_400_000

    /// Transactions committed since the store opened; with `accepted`, shows how well sends are grouped.
    public var commitCount: Int { commits.load(ordering: .relaxed) }

    /// Pages the checkpointer copied from the write-ahead log back into the database file since the store opened.
    public var checkpointedPages: Int { checkpointer.pagesCopied }

    /// Wall-clock milliseconds of the writer loop's last turn (it turns at least once a second).
    public var lastTurn: Int64 { heartbeat.load(ordering: .relaxed) }

    /// The store's file path.
    public var location: String { path }

    /// Opens the store in `directory` (created if missing) and starts the writer thread.
    /// - Parameters:
    ///   - directory: the state directory.
    ///   - dedupWindow: how long a dedup key suppresses repeats.
    ///   - retention: how long finished messages and their attempts are kept.
    ///   - encryptionKey: 32 bytes to encrypt addresses, content and parameters at rest, or `nil`.
    ///   - maxPendingAccepts: intake queue bound; beyond it `accept` refuses (the client hears `overloaded`).
    ///   - clock: wall clock for timestamps.
    ///   - logger: where store failures are logged.
    ///   - progress: hears the steps of a long schema upgrade, and a beat every few seconds while one runs (the
    ///     daemon tells systemd, so a start that upgrades a large store is not taken for a hung one).
    public init(
        directory: String, dedupWindow: Duration, retention: Duration = .seconds(90 * 86_400),
        encryptionKey: [UInt8]? = nil, maxPendingAccepts: Int, clock: any WallClock, logger: Logger,
        progress: (String) -> Void = { _ in }
    ) throws(StoreError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.openFailed("cannot create state directory \(directory): \(error.localizedDescription)")
        }
        self.path = directory + "/gateway.sqlite3"
        self.dedupWindow = dedupWindow.milliseconds
        self.retention = retention.milliseconds
        self.cipher = FieldCipher(key: encryptionKey)
        self.maxPendingAccepts = maxPendingAccepts
        self.clock = clock
        self.logger = logger
        let database = try SQLiteDatabase(path: path)
        try StoreSchema.migrate(database, logger: logger, progress: progress)
        // A read-only file (or directory) opens and migrates fine when the schema exists: write once now, so the
        // daemon never reports serving while every send would fail.
        do {
            try database.execute(
                "CREATE TABLE IF NOT EXISTS store_opened (id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER,"
                    + " opened_at INTEGER); INSERT OR REPLACE INTO store_opened VALUES (1, \(getpid()), "
                    + "\(clock.nowMilliseconds));")
        } catch {
            throw StoreError.openFailed("\(path) is not writable: \(error.message)")
        }
        identity = FileIdentity(path: path)
        // Checkpoints off the writer from here on (the migration above checkpointed in place, before serving).
        let checkpointer = try WALCheckpointer(path: path, logger: logger)
        self.checkpointer = checkpointer
        database.onLogCommit { [unowned database] pages in
            if pages >= WALCheckpointer.writerTakesOverPages {
                database.checkpointPassive()
            } else {
                checkpointer.logGrew(to: pages)
            }
        }
        let writer: StoreWriter
        do {
            writer = try StoreWriter(
                database: database, dedupWindow: self.dedupWindow, cipher: cipher, receiptLatency: receiptLatency)
            try writer.countUnmatchedReceipts()
        } catch {
            checkpointer.stop()
            throw error
        }
        let thread = Thread { [unowned self] in
            // From the thread itself, for the kernel (see ``ThreadNaming``).
            ThreadNaming.nameCurrentThread("store-writer")
            self.run(writer)
        }
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Sets the caps, quiet hours and opt-out rules applied to sends from the next commit on.
    public func setPolicy(_ configuration: PolicyConfiguration) {
        let compiled = AdmissionPolicy(configuration)
        condition.lock()
        policy = compiled
        condition.unlock()
    }

    /// Whether an SMS reply is an opt-out keyword under the current policy.
    public func isOptOutKeyword(_ reply: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return policy.keywords.matches(reply)
    }

    /// Sets what the store calls, once, if its file is deleted or replaced under it (the daemon must stop).
    public func onLost(_ handler: @escaping @Sendable (StoreError) -> Void) {
        condition.lock()
        lostHandler = handler
        condition.unlock()
    }

    /// Sets what the store calls after each commit that queued new messages, with counts by channel and
    /// priority lane (critical, transactional, marketing).
    public func onCommit(_ handler: @escaping @Sendable ([String: LaneCounts]) -> Void) {
        condition.lock()
        committedChannels = handler
        condition.unlock()
    }

    /// Queues messages for the next group commit.
    /// - Returns: `false`, without queueing, if the intake queue is full or the store is closing.
    public func accept(_ requests: [AcceptRequest], completion: @escaping @Sendable ([AcceptResult]) -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closing, pendingAccepts + requests.count <= maxPendingAccepts else { return false }
        pendingAccepts += requests.count
        operations.append(.accept(requests, completion))
        condition.signal()
        return true
    }

    /// Sets how many enrolments and advances one commit takes at most (from the next turn on), so a plain send
    /// waits behind a bounded amount of strategy work.
    public func setStrategyCommitBudget(_ budget: Int) {
        condition.lock()
        strategyCommitBudget = max(1, budget)
        condition.unlock()
    }

    /// Sets how long an enrol key answers `duplicate` with its first run (`strategies.enrol_key_window`).
    public func setEnrolKeyWindow(_ window: Duration) {
        condition.lock()
        enrolKeyWindow = window.milliseconds
        condition.unlock()
    }

    /// Sets what the store calls after a commit that added or moved run timers, with the earliest due time.
    public func onTimers(_ handler: @escaping @Sendable (Int64) -> Void) {
        condition.lock()
        timersHandler = handler
        condition.unlock()
    }

    /// Sets what the store calls after a commit that finished runs by exit, opt-out or `exit_on`, with their ids
    /// and the messages it cancelled with them.
    public func onHolds(_ handler: @escaping @Sendable (HeldRuns) -> Void) {
        condition.lock()
        holdsHandler = handler
        condition.unlock()
    }

    /// Whether the intake queue has room for `count` more and the store is open: customer upserts honour the
    /// same bound as accepts (`SQLiteMessageStore+Customers`).
    func intakeHasRoom(_ count: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return !closing && pendingAccepts + count <= maxPendingAccepts
    }

    /// Queues enrolments; `false`, without queueing, if the intake queue is full or the store is closing.
    func enqueue(_ enrolments: [Enrolment], completion: @escaping @Sendable ([EnrolResult]) -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closing, pendingAccepts + enrolments.count <= maxPendingAccepts else { return false }
        pendingAccepts += enrolments.count
        operations.append(
            .enrol(enrolments[...], RunResults(expected: enrolments.count, completion: completion)))
        condition.signal()
        return true
    }

    /// Queues the engine's advances (never refused: the engine bounds what it has in flight).
    func enqueue(_ advances: [RunAdvance], completion: @escaping @Sendable ([AdvanceResult]) -> Void) {
        condition.lock()
        if closing {
            condition.unlock()
            completion(advances.map { .failed(runID: $0.runID, .closed) })
            return
        }
        operations.append(.advance(advances[...], RunResults(expected: advances.count, completion: completion)))
        condition.signal()
        condition.unlock()
    }

    /// Queues attempt records for the next commit (no answer: the dispatcher has already moved on).
    public func record(_ records: [AttemptRecord]) {
        guard !records.isEmpty else { return }
        condition.lock()
        operations.append(.record(records))
        condition.signal()
        condition.unlock()
    }

    /// Starts keeping every state change in the webhook outbox; `wake` is called after commits that add some.
    public func enableOutbox(wake: @escaping @Sendable () -> Void) {
        outboxWaiters.withLock { $0.append(wake) }
        outboxEnabled.store(true, ordering: .relaxed)
    }

    /// Removes delivered outbox entries (the webhook answered 2xx for everything up to `sequence`).
    public func acknowledgeOutbox(upTo sequence: Int64) {
        condition.lock()
        operations.append(.acknowledgeOutbox(sequence))
        condition.signal()
        condition.unlock()
    }

    /// Sets which channels poll for receipts and how long after a send they first ask (from the next commit).
    public func setPolling(_ delays: [String: Duration]) {
        condition.lock()
        pollDelays = delays.mapValues(\.milliseconds)
        condition.unlock()
    }

    /// Notes a query about messages: due again at `next`, or dropped once sent before `giveUpBefore` or final.
    public func markPolled(_ sequences: [Int64], next: Int64, giveUpBefore: Int64) {
        guard !sequences.isEmpty else { return }
        condition.lock()
        operations.append(.polled(sequences, next: next, giveUpBefore: giveUpBefore))
        condition.signal()
        condition.unlock()
    }

    /// The field cipher, for read connections opened in other files (the strategy reader).
    var strategyCipher: FieldCipher { cipher }

    /// A stored field in the clear (decrypted when encryption at rest is on).
    func openField(_ stored: String?) throws(StoreError) -> String? { try cipher.open(stored) }

    /// Keeps a callback's receipts (each once), matches them to messages and applies them; `completion` runs
    /// after the commit, so a vendor is answered only for receipts that are durable.
    public func recordReceipts(
        channel: String, _ receipts: [Receipt],
        completion: @escaping @Sendable (Result<ReceiptTally, StoreError>) -> Void
    ) {
        condition.lock()
        operations.append(.receipts(channel, receipts, completion))
        condition.signal()
        condition.unlock()
    }

    /// Counts a click on a tracked link; `completion` gets the original URL (`nil` for an unknown token) after
    /// the commit.
    public func click(_ token: String, completion: @escaping @Sendable (Result<String?, StoreError>) -> Void) {
        condition.lock()
        operations.append(.click(token, completion))
        condition.signal()
        condition.unlock()
    }

    /// Keeps an engagement event once per id; `completion` runs after the commit.
    public func recordEvent(
        _ event: EngagementEvent, completion: @escaping @Sendable (Result<EventResult, StoreError>) -> Void
    ) {
        condition.lock()
        operations.append(.event(event, completion))
        condition.signal()
        condition.unlock()
    }

    /// Moves failed messages to their instances' backups in the next commit; their new position is reported
    /// to the dispatcher like new messages.
    public func failover(_ moves: [FailoverMove]) {
        guard !moves.isEmpty else { return }
        condition.lock()
        operations.append(.failover(moves))
        condition.signal()
        condition.unlock()
    }

    /// Looks a message up by id, after everything queued so far is committed.
    public func status(of id: String, completion: @escaping @Sendable (MessageStatus?) -> Void) {
        condition.lock()
        operations.append(.status(id, completion))
        condition.signal()
        condition.unlock()
    }

    /// Appends opt-outs and opt-ins to the consent log; `completion` runs after the commit, with the count.
    public func changeConsent(
        _ changes: [ConsentChange], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        condition.lock()
        operations.append(.consent(changes, completion))
        condition.signal()
        condition.unlock()
    }

    /// A subject's standing opt-outs and consent log, after everything queued so far is committed.
    public func consent(
        of subject: ConsentChange.Subject, completion: @escaping @Sendable (Result<ConsentReport, StoreError>) -> Void
    ) {
        condition.lock()
        operations.append(.consentQuery(subject, completion))
        condition.signal()
        condition.unlock()
    }

    /// Runs `body` inside the next batch's transaction and hands its result to `completion` after the commit
    /// (or the error, if the statement or the commit failed: then nothing of it holds).
    func perform<Value: Sendable>(
        _ body: @escaping @Sendable (StoreWriter, Int64, inout [String: LaneCounts]) throws(StoreError) -> Value,
        completion: @escaping @Sendable (Result<Value, StoreError>) -> Void
    ) {
        let box = WriterBox<Value>()
        let operation = StoreOperation.transaction(
            { writer, now, queued throws(StoreError) in box.value = try body(writer, now, &queued) },
            { error in
                if let error {
                    completion(.failure(error))
                } else if let value = box.value {
                    completion(.success(value))
                } else {
                    completion(.failure(.statementFailed("no result")))
                }
            })
        condition.lock()
        operations.append(operation)
        condition.signal()
        condition.unlock()
    }

    /// Calls `completion` once everything queued before it is committed.
    public func barrier(_ completion: @escaping @Sendable () -> Void) {
        condition.lock()
        operations.append(.barrier(completion))
        condition.signal()
        condition.unlock()
    }

    /// Number of queued messages per channel, as committed (read at start-up); deferred ones included.
    public func queuedCounts() throws(StoreError) -> [String: Int] {
        let database = try SQLiteDatabase(path: path, readOnly: true)
        let statement = try database.prepare(
            "SELECT channel, COUNT(*) FROM messages WHERE state = 'queued' GROUP BY channel")
        var counts: [String: Int] = [:]
        while try statement.step() {
            counts[statement.string(0) ?? ""] = statement.int(1)
        }
        return counts
    }

    /// Opens a read connection for one background thread.
    public func makeReader() throws(StoreError) -> any StoreReading {
        SQLiteStoreReader(database: try readConnection(), cipher: cipher)
    }

    /// A read-only connection of its own (reports, start-up counts, readers).
    func readConnection() throws(StoreError) -> SQLiteDatabase {
        try SQLiteDatabase(path: path, readOnly: true)
    }

    /// Commits everything queued, stops the writer and waits for it. Later calls are refused.
    public func close() {
        condition.lock()
        closing = true
        condition.signal()
        condition.unlock()
        finished.lock()
        while !isFinished { finished.wait() }
        finished.unlock()
    }

    private func run(_ writer: StoreWriter) {
        heartbeat.store(clock.nowMilliseconds, ordering: .relaxed)
        var lastPrune: Int64 = 0
        while true {
            condition.lock()
            while operations.isEmpty && !closing {
                // Wake every second even when idle, so the watchdog can see the writer is alive.
                _ = condition.wait(until: Date(timeIntervalSinceNow: 1))
                if operations.isEmpty { break }
            }
            let batch = takeBatch()
            let stop = closing && batch.isEmpty
            let notify = committedChannels
            let timersAdded = timersHandler
            let runsHeld = holdsHandler
            let policy = self.policy
            writer.pollDelays = pollDelays
            writer.enrolKeyWindow = enrolKeyWindow
            condition.unlock()
            if stop { break }

            let now = clock.nowMilliseconds
            heartbeat.store(now, ordering: .relaxed)
            if now - lastPrune > 60_000 {
                // A full batch means more is due: come back on the next turn rather than in a minute.
                let more = writer.prune(
                    now: now, retention: retention, capWindow: policy.longestWindow, logger: logger)
                lastPrune = more ? now - 60_000 : now
            }
            guard !batch.isEmpty else { continue }
            if lost || FileIdentity(path: path) != identity {
                refuse(batch, StoreError.lost(path))
                continue
            }
            let (ahead, rest) = StoreOperation.aheadOfStrategyWork(batch)
            for part in [ahead, rest] where !part.isEmpty {
                let outboxOn = outboxEnabled.load(ordering: .relaxed)
                let outcome = writer.apply(
                    part, now: now, policy: policy, collectChanges: feed.isActive || outboxOn,
                    outbox: outboxOn, logger: logger)
                commits.add(1, ordering: .relaxed)
                pacer.observe(items: part.reduce(0) { $0 + $1.strategyItems }, took: outcome.strategyWork)
                // Before the answers: an `exit` answered means its messages cannot start any more.
                if !outcome.heldRuns.isEmpty { runsHeld(outcome.heldRuns) }
                answer(part, outcome, missing: .closed, notCommitted: .statementFailed("not committed"))
                if !outcome.newMessages.isEmpty { notify(outcome.newMessages) }
                if let earliest = outcome.earliestTimer { timersAdded(earliest) }
                feed.publish(outcome.changes)
                if outboxOn, !outcome.changes.isEmpty {
                    for wake in outboxWaiters.withLock({ $0 }) { wake() }
                }
            }
        }
        checkpointer.stop()
        finished.lock()
        isFinished = true
        finished.broadcast()
        finished.unlock()
    }

    /// Takes the queued operations for one turn (under `condition`): all of them, except that enrolments and
    /// advances beyond the pacer's budget (``CommitPacer``, at most `commit_budget`) stay at the head of the
    /// queue, with every later operation that must not overtake them (see ``StoreOperation/overtakesHeldWork``).
    /// Sends are never held back.
    private func takeBatch() -> [StoreOperation] {
        let now = clock.nowMilliseconds
        if operations.contains(where: \.isAwaited) { pacer.awaited(at: now) }
        var budget = pacer.budget(limit: strategyCommitBudget, now: now)
        guard operations.contains(where: { $0.strategyItems > 0 }) else {
            let batch = operations
            operations.removeAll(keepingCapacity: true)
            return batch
        }
        var batch: [StoreOperation] = []
        var held: [StoreOperation] = []
        batch.reserveCapacity(operations.count)
        for operation in operations {
            let items = operation.strategyItems
            if items > 0, held.isEmpty, budget > 0 {
                let (head, rest) = operation.split(budget)
                budget -= head.strategyItems
                batch.append(head)
                if let rest { held.append(rest) }
            } else if held.isEmpty && items == 0 || operation.overtakesHeldWork {
                batch.append(operation)
            } else {
                held.append(operation)
            }
        }
        operations = held
        return batch
    }

    /// Answers every operation of `batch` with `error` and, the first time, reports the store lost.
    private func refuse(_ batch: [StoreOperation], _ error: StoreError) {
        if !lost {
            lost = true
            logger.critical("store lost: stopping", metadata: ["error": "\(error)"])
            condition.lock()
            let handler = lostHandler
            condition.unlock()
            handler(error)
        }
        answer(batch, StoreWriter.BatchResult(), missing: error, notCommitted: error)
    }

    /// Answers every waiting operation of `batch` from `outcome` and releases its intake places. An operation
    /// without a result hears `missing` (`closed` after a commit; the loss when the batch was refused), and a
    /// transaction that did not run through hears `notCommitted`.
    private func answer(
        _ batch: [StoreOperation], _ outcome: StoreWriter.BatchResult, missing: StoreError, notCommitted: StoreError
    ) {
        var accepted = 0
        for (index, operation) in batch.enumerated() {
            switch operation {
            case .accept(let requests, let completion):
                accepted += requests.count
                completion(outcome.acceptResults[index] ?? requests.map { _ in .failed(missing) })
            case .status(_, let completion):
                completion(outcome.statuses[index] ?? nil)
            case .consent(_, let completion):
                completion(outcome.consentResults[index] ?? .failure(missing))
            case .click(_, let completion):
                completion(outcome.clickResults[index] ?? .failure(missing))
            case .event(_, let completion):
                completion(outcome.eventResults[index] ?? .failure(missing))
            case .receipts(_, _, let completion):
                completion(outcome.receiptTallies[index] ?? .failure(missing))
            case .consentQuery(_, let completion):
                completion(outcome.consentReports[index] ?? .failure(missing))
            case .barrier(let completion):
                completion()
            case .transaction(_, let completion):
                completion(outcome.transactionsDone.contains(index) ? nil : notCommitted)
            case .enrol(let enrolments, let results):
                accepted += enrolments.count
                results.add(outcome.enrolResults[index] ?? enrolments.map { _ in .failed(missing) })
            case .advance(let advances, let results):
                results.add(outcome.advanceResults[index] ?? advances.map { .failed(runID: $0.runID, missing) })
            case .record, .failover, .acknowledgeOutbox, .polled:
                break
            }
        }
        condition.lock()
        pendingAccepts -= accepted
        condition.unlock()
    }
}
