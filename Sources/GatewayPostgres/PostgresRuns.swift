import ChannelKit
import ControlProtocol
import GatewayStore

/// Strategy runs on the PostgreSQL writer (design §5, §6, §11), as the SQLite writer keeps them
/// (`StoreWriter+Runs`): enrolment under the entry rules, the engine's advances by compare-and-set on
/// `runs.rev`, exits, timers, history and step counters, each batch in one transaction.
///
/// What differs with several nodes on one database:
/// - A batch locks its runs first (`SELECT … FOR UPDATE`, in `run_id` order, so two nodes never deadlock on
///   them): a run advanced on another node meanwhile is read at its new revision and its advance here is lost,
///   never a second write.
/// - A timer row is claimed by the node whose commit wrote it (`claimed_by`), so it fires on that node's
///   engine, which that commit told (``onTimers``). A dead node's timers are released with its messages and
///   fired by whichever node reads them first; the compare-and-set makes that once.
///
/// Owned by the writer thread: every method runs inside a writer transaction, on the turn's connection.
final class PostgresRuns: @unchecked Sendable {
    /// A run's row as the writer reads it before settling it.
    typealias Row = RunRow

    let cipher: FieldCipher
    let node: String
    /// How long an enrol key answers `duplicate` (ms; `strategies.enrol_key_window`).
    var enrolKeyWindow: Int64 = 30 * 86_400_000
    /// Channel score arithmetic (`strategies.affinity`).
    var score = ChannelScore(halfLife: 30 * 86_400_000)
    /// Registered strategies as enrolments see them (another node's registration is seen within a minute).
    private var strategyCache: [String: (entry: StrategyEntry, readAt: Int64)] = [:]
    /// Whether this database holds strategies (set by registration): until then events look for no runs.
    var served = false
    /// Rules of strategy versions events have read (a version's rules never change).
    var versionRulesCache: [String: StrategyRules] = [:]

    // What the current transaction did, for after its commit.
    private(set) var counters: [StepCounterKey: (n: Int, value: Double)] = [:]
    /// The earliest due time among timers the transaction wrote.
    private(set) var earliestTimer: Int64?
    /// Runs finished early and their messages cancelled, for the dispatcher.
    var heldRuns = HeldRuns()

    init(cipher: FieldCipher, node: String) {
        self.cipher = cipher
        self.node = node
    }

    /// Writes whose results nothing reads now, sent ahead of the next statement that is read, or at the end of
    /// the transaction (``flush(on:)``): an advance costs a round trip per read, not per statement.
    private var pending: [PostgresStatement] = []
    /// Pending statements that must change exactly one row (a settle's compare-and-set on a run this transaction
    /// locked), by index, with what failed if one does not.
    private var mustChangeOne: [Int: String] = [:]

    /// Queues a write for the next round trip.
    func later(_ statement: PostgresStatement, mustChangeOne failure: String? = nil) {
        if let failure { mustChangeOne[pending.count] = failure }
        pending.append(statement)
    }

    /// Runs `statements` after the pending writes, in one round trip; their results. A pending compare-and-set
    /// that changed no row fails the transaction: its run is locked by it, so that is a bug, not a race.
    func batch(on connection: PostgresConnection, _ statements: [PostgresStatement]) throws(PostgresError)
        -> [PostgresRows]
    {
        guard !pending.isEmpty else { return statements.isEmpty ? [] : try connection.batch(statements) }
        let written = pending
        let checks = mustChangeOne
        pending.removeAll(keepingCapacity: true)
        mustChangeOne.removeAll(keepingCapacity: true)
        let results = try connection.batch(written + statements)
        for (index, failure) in checks where results[index].affected != 1 {
            throw .statementFailed(failure, sqlState: nil)
        }
        return Array(results[written.count...])
    }

    /// Runs one statement after the pending writes, in one round trip; its result.
    func query(on connection: PostgresConnection, _ statement: PostgresStatement) throws(PostgresError)
        -> PostgresRows
    {
        try batch(on: connection, [statement])[0]
    }

    /// Sends the pending writes (at the end of a transaction, before its commit).
    func flush(on connection: PostgresConnection) throws(PostgresError) {
        _ = try batch(on: connection, [])
    }

    /// Clears what a transaction collects, before it starts.
    func beginTransaction() {
        pending.removeAll(keepingCapacity: true)
        mustChangeOne.removeAll(keepingCapacity: true)
        counters.removeAll(keepingCapacity: true)
        earliestTimer = nil
        heldRuns = HeldRuns()
    }

    /// Notes a timer the transaction wrote, for the engine.
    func noteTimer(dueAt: Int64) { earliestTimer = min(earliestTimer ?? dueAt, dueAt) }

    /// Forgets registrations read before (another node may have registered since; a failed batch undid ours).
    func forgetStrategies() { strategyCache.removeAll() }

    // MARK: - Reads

    /// The registered strategy as enrolments see it, re-read at most a minute after it was.
    func strategyEntry(_ name: String, on connection: PostgresConnection, now: Int64) throws(PostgresError)
        -> StrategyEntry?
    {
        if let cached = strategyCache[name], now - cached.readAt < 60_000 { return cached.entry }
        let rows = try query(
            on: connection,
            PostgresStatement(
                """
                SELECT s.latest, s.retired, v.rules FROM strategies s
                JOIN strategy_versions v ON v.name = s.name AND v.version = s.latest WHERE s.name = $1
                """, [name]))
        guard let row = rows.rows.first else { return nil }
        let rules = try PostgresMessageStore.fields { () throws(StoreError) in
            try StrategyRules(storedJSON: row[2] ?? "{}", source: "")
        }
        let entry = StrategyEntry(latest: Int(row[0] ?? "") ?? 1, retired: row[1] == "1", rules: rules)
        strategyCache[name] = (entry, now)
        return entry
    }

    /// The columns ``row(_:)`` decodes.
    static let rowColumns = "run_id, name, version, ck, customer_sealed, state, step, rev, visit, holdout, cn"

    /// A run row selected with ``rowColumns``.
    static func row(_ values: [String?]) -> Row {
        Row(
            runID: values[0].flatMap { Int64($0) } ?? 0, strategy: values[1] ?? "",
            version: values[2].flatMap { Int($0) } ?? 0, ck: values[3] ?? "",
            cn: values[10].flatMap { Int64($0) } ?? 0, customerSealed: values[4],
            state: RunState(rawValue: values[5] ?? "") ?? .ready, step: values[6] ?? "",
            rev: values[7].flatMap { Int64($0) } ?? 0, visit: values[8].flatMap { Int($0) } ?? 0,
            holdout: values[9] == "1")
    }

    /// Locks and reads the runs with these ids, in id order (the order every writer locks runs in).
    func lockRuns(_ ids: [Int64], on connection: PostgresConnection) throws(PostgresError) -> [Int64: Row] {
        guard !ids.isEmpty else { return [:] }
        let rows = try query(
            on: connection,
            PostgresStatement(
                "SELECT \(Self.rowColumns) FROM runs WHERE run_id = ANY($1::bigint[]) ORDER BY run_id FOR UPDATE",
                [PostgresArray.bigint(ids)]))
        var runs: [Int64: Row] = [:]
        for values in rows.rows {
            let row = Self.row(values)
            runs[row.runID] = row
        }
        return runs
    }

    /// The customer's number and sealed id for key `ck`, or `nil` if unknown.
    func identity(ck: String, on connection: PostgresConnection) throws(PostgresError) -> (Int64, String?)? {
        let rows = try query(
            on: connection, PostgresStatement("SELECT cn, id_sealed FROM customers WHERE ck = $1", [ck]))
        guard let row = rows.rows.first, let cn = row[0].flatMap({ Int64($0) }) else { return nil }
        return (cn, row[1])
    }

    /// The customer key (`ck`), keyed like a policy subject.
    func customerKey(_ id: String) -> String { PostgresCustomerDirectory(cipher: cipher).customerKey(id) }

    // MARK: - Writes every settler shares

    /// Writes a history row and counts its outcome for the step (and channel type, for touches).
    func insertStep(_ run: Row, visit: Int, _ record: RunStepRecord, on connection: PostgresConnection)
        throws(PostgresError)
    {
        later(
            PostgresStatement(
                """
                INSERT INTO run_steps (run_id, visit, step, kind, at, outcome, message_id, instance, channel_type)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """,
                [
                    String(run.runID), String(visit), record.step, record.kind, String(record.at),
                    record.outcome.rawValue, record.messageID, record.instance, record.channelType,
                ]))
        countStep(
            strategy: run.strategy, version: run.version, step: record.step, channelType: record.channelType ?? "",
            holdout: run.holdout, counter: record.outcome.rawValue)
    }

    /// Counts `n` (and adds `value`) to a step's counter, written once per transaction (``flushCounters(on:)``).
    func countStep(
        strategy: String, version: Int, step: String, channelType: String, holdout: Bool, counter: String,
        n: Int = 1, value: Double = 0
    ) {
        let key = StepCounterKey(
            strategy: strategy, version: version, step: step, channelType: channelType, holdout: holdout,
            counter: counter)
        let current = counters[key] ?? (0, 0)
        counters[key] = (current.n + n, current.value + value)
    }

    /// Upserts the transaction's counters in one statement, in key order (two nodes adding to one row wait on
    /// each other, never deadlock), and sends every pending write; called right before the commit.
    func flushCounters(on connection: PostgresConnection) throws(PostgresError) {
        guard !counters.isEmpty else { return try flush(on: connection) }
        let keys = counters.keys.sorted { lhs, rhs in
            (lhs.strategy, lhs.version, lhs.step, lhs.channelType, lhs.holdout ? 1 : 0, lhs.counter)
                < (rhs.strategy, rhs.version, rhs.step, rhs.channelType, rhs.holdout ? 1 : 0, rhs.counter)
        }
        later(
            PostgresStatement(
                """
                INSERT INTO step_counters (name, version, step, channel_type, grp, counter, n, value)
                SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
                    $7::bigint[], $8::float8[])
                ON CONFLICT (name, version, step, channel_type, grp, counter)
                DO UPDATE SET n = step_counters.n + excluded.n, value = step_counters.value + excluded.value
                """,
                [
                    PostgresArray.text(keys.map(\.strategy)), PostgresArray.bigint(keys.map { Int64($0.version) }),
                    PostgresArray.text(keys.map(\.step)), PostgresArray.text(keys.map(\.channelType)),
                    PostgresArray.text(keys.map { $0.holdout ? "holdout" : "treated" }),
                    PostgresArray.text(keys.map(\.counter)),
                    PostgresArray.bigint(keys.map { Int64(counters[$0]?.n ?? 0) }),
                    PostgresArray.text(keys.map { String(counters[$0]?.value ?? 0) }),
                ]))
        counters.removeAll(keepingCapacity: true)
        try flush(on: connection)
    }

    /// Writes (or moves) a run's timer, claimed by this node, and notes its due time for the engine.
    func setTimer(_ runID: Int64, at dueAt: Int64, rev: Int64, kind: TimerKind, on connection: PostgresConnection)
        throws(PostgresError)
    {
        later(
            PostgresStatement(
                """
                INSERT INTO run_timers (run_id, due_at, rev, kind, claimed_by) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (run_id) DO UPDATE SET due_at = excluded.due_at, rev = excluded.rev, kind = excluded.kind,
                    claimed_by = excluded.claimed_by
                """, [String(runID), String(dueAt), String(rev), kind.rawValue, node]))
        noteTimer(dueAt: dueAt)
    }

    // MARK: - The compare-and-set

    /// Moves a run from the revision it was read at (`run.rev`) to `placement`, with its timer. Every settler goes
    /// through here (advances, exits, events), each on a run it locked before reading it, so the compare-and-set
    /// cannot lose: it is checked when its round trip returns, and a lost one fails the transaction.
    func settle(
        _ run: Row, visit: Int, to placement: RunPlacement, customer: String?, turn: inout PostgresTurn
    ) throws(PostgresError) {
        let connection = turn.connection
        let now = turn.now
        let finished = placement.state == .finished
        // The run is locked by this transaction (every settler locks it before reading it): the set cannot lose, and
        // is sent with the next round trip, checked there.
        later(
            PostgresStatement(
                """
                UPDATE runs SET state = $3, step = $4, rev = rev + 1, visit = $5, wait_event = $6, wait_ref = $7,
                    on_event = $8, outcome = $9, updated_at = $10, finished_at = $11
                WHERE run_id = $1 AND rev = $2
                """,
                [
                    String(run.runID), String(run.rev), placement.state.rawValue, placement.step, String(visit),
                    placement.waitingFor?.event, placement.waitingFor?.step, placement.waitingFor?.onEvent,
                    placement.outcome?.rawValue, String(now), finished ? String(now) : nil,
                ]), mustChangeOne: "run \(run.runID) changed under its writer")
        if let timer = placement.timer {
            try setTimer(run.runID, at: timer.at, rev: run.rev + 1, kind: timer.kind, on: connection)
        } else {
            later(PostgresStatement("DELETE FROM run_timers WHERE run_id = $1", [String(run.runID)]))
        }
        if finished {
            for counter in ["finished", placement.outcome?.rawValue ?? RunOutcome.completed.rawValue] {
                countStep(
                    strategy: run.strategy, version: run.version, step: "(run)", channelType: "", holdout: run.holdout,
                    counter: counter)
            }
        }
        if turn.changes != nil {
            var id = customer
            if id == nil { id = try open(run.customerSealed) }
            turn.changes?.append(
                .run(
                    runID: run.runID, strategy: run.strategy, version: run.version, customer: id ?? "",
                    step: placement.step, state: placement.state.rawValue, outcome: placement.outcome?.rawValue,
                    at: now))
        }
    }

    /// Opens a sealed field.
    func open(_ sealed: String?) throws(PostgresError) -> String? {
        try PostgresMessageStore.fields { () throws(StoreError) in try cipher.open(sealed) }
    }

    // MARK: - Exits

    /// Ends a run at once, also mid-wait: finished with `outcome`, its timer deleted and its queued messages
    /// withdrawn (`withdrawReason`), one history row. `false` if it had finished.
    func finishRun(
        _ run: Row, outcome: RunOutcome, withdrawReason: String, record: RunStepRecord, turn: inout PostgresTurn
    ) throws(PostgresError) -> Bool {
        guard run.state != .finished else { return false }
        let visit = run.visit + 1
        let customer = try open(run.customerSealed)
        try settle(
            run, visit: visit, to: RunPlacement(state: .finished, step: run.step, outcome: outcome, timer: nil),
            customer: customer, turn: &turn)
        try insertStep(run, visit: visit, record, on: turn.connection)
        try withdrawMessages(of: run, reason: withdrawReason, turn: &turn)
        // A message of the run a dispatcher paged in before this commit must not start either.
        heldRuns.runIDs.append(run.runID)
        return true
    }

    /// Marks the run's messages not yet sent cancelled (their claims released), so no dispatcher starts them.
    func withdrawMessages(of run: Row, reason: String, turn: inout PostgresTurn) throws(PostgresError) {
        let rows = try query(
            on: turn.connection,
            PostgresStatement(
                PostgresWithdrawals.notifying(
                    """
                    UPDATE messages SET state = 'cancelled', reason = $3, reason_code = NULL, reason_detail = NULL,
                        updated_at = $4, claimed_by = NULL
                    WHERE customer_number = $1 AND run_id = $2 AND state = 'queued'
                    RETURNING seq, channel, id, customer, category
                    """, issuer: 5), [String(run.cn), String(run.runID), reason, String(turn.now), node]))
        for row in rows.rows {
            // The dispatcher counted it queued at its commit; it takes it off again (see ``HeldRuns``).
            heldRuns.messages.append(
                HeldRuns.Message(sequence: row[0].flatMap { Int64($0) } ?? 0, channel: row[1] ?? ""))
            if turn.changes != nil {
                turn.changes?.append(
                    StateChange(
                        messageID: row[2] ?? "", customer: try open(row[3]), channel: row[1] ?? "",
                        category: row[4] ?? "", state: .cancelled, reason: reason, at: turn.now))
            }
        }
    }
}
