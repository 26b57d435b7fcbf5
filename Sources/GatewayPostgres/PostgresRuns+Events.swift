import ChannelKit
import ControlProtocol
import GatewayStore

/// Events into runs on PostgreSQL (design §7, §10), as `StoreWriter+RunEvents` and `StoreWriter+Attribution` apply
/// them on SQLite: receipts, tracked clicks, the `event` operation, SMS replies and opt-outs reach the runs they
/// concern inside the transaction that records them. A run an event may settle is locked first (`FOR UPDATE`),
/// so an event, a timer's advance and an exit on different nodes settle it one after the other, and the
/// compare-and-set gives exactly one of them the run.
extension PostgresRuns {
    /// A strategy message's run and history row (`messages.run_id`, `run_visit`).
    struct Touch: Hashable {
        var runID: Int64
        var visit: Int
    }

    /// A run as the event hooks need it: its row and what it waits for.
    struct EventRun {
        var row: Row
        var waitEvent: String?
        var waitRef: String?
        var onEvent: String?
    }

    /// A send row of a run, with its engagement times.
    struct EventTouch {
        var step: String
        var channelType: String?
        var openedAt: Int64?
        var clickedAt: Int64?

        /// Whether the touch was opened or clicked before (a score counts one engagement per touch).
        var engaged: Bool { openedAt != nil || clickedAt != nil }
    }

    /// Channel types whose only "opened" is a click on a tracked link.
    static let opensOnTrackedClick: Set<String> = ["sms", "wecom", "wechat_oa"]

    /// The touches of the messages with these sequences that a strategy sent.
    func touches(ofMessages sequences: [Int64], on connection: PostgresConnection) throws(PostgresError)
        -> [Int64: Touch]
    {
        guard !sequences.isEmpty else { return [:] }
        let rows = try query(
            on: connection,
            PostgresStatement(
                "SELECT seq, run_id, run_visit FROM messages WHERE seq = ANY($1::bigint[]) AND run_id IS NOT NULL",
                [PostgresArray.bigint(sequences)]))
        var touches: [Int64: Touch] = [:]
        for row in rows.rows {
            guard let sequence = row[0].flatMap({ Int64($0) }), let runID = row[1].flatMap({ Int64($0) }) else {
                continue
            }
            touches[sequence] = Touch(runID: runID, visit: row[2].flatMap { Int($0) } ?? 0)
        }
        return touches
    }

    /// Receipts linked to their messages: those of strategy messages reach their runs (one read for them all,
    /// and none until a strategy is registered).
    func applyReceipts(_ linked: [(sequence: Int64, event: Receipt.Event, at: Int64)], turn: inout PostgresTurn)
        throws(PostgresError)
    {
        guard served, !linked.isEmpty else { return }
        let touches = try touches(ofMessages: linked.map(\.sequence), on: turn.connection)
        for entry in linked {
            guard let touch = touches[entry.sequence] else { continue }
            try applyReceipt(entry.event, to: touch, at: entry.at, turn: &turn)
        }
    }

    /// A vendor receipt for a strategy message: `delivered`; a call `answered` is delivered and opened; a vendor
    /// click receipt is clicked and opened.
    func applyReceipt(_ event: Receipt.Event, to touch: Touch, at: Int64, turn: inout PostgresTurn)
        throws(PostgresError)
    {
        for name in event.runEvents { try applyEvent(name, to: touch, at: at, value: nil, turn: &turn) }
    }

    /// The first click on a tracked link of a strategy message: `clicked`, and for channels without any other
    /// open signal also `opened`.
    func applyTrackedClick(to touch: Touch, at: Int64, turn: inout PostgresTurn) throws(PostgresError) {
        guard let row = try loadTouch(touch, on: turn.connection) else { return }
        try applyEvent("clicked", to: touch, at: at, value: nil, turn: &turn)
        if let type = row.channelType, Self.opensOnTrackedClick.contains(type) {
            try applyEvent("opened", to: touch, at: at, value: nil, turn: &turn)
        }
    }

    /// An event about one touch of a run: its `*_at` set once, counted, scored, attributed, and the run settled.
    func applyEvent(_ name: String, to touch: Touch, at: Int64, value: Double?, turn: inout PostgresTurn)
        throws(PostgresError)
    {
        let connection = turn.connection
        guard let run = try loadRun(touch.runID, on: connection), let row = try loadTouch(touch, on: connection)
        else { return }
        if let column = Self.touchColumn(name) {
            // First only: a repeated receipt or a second click changes nothing, counts nothing.
            let updated = try query(
                on: connection,
                PostgresStatement(
                    "UPDATE run_steps SET \(column) = $3 WHERE run_id = $1 AND visit = $2 AND \(column) IS NULL",
                    [String(touch.runID), String(touch.visit), String(at)]))
            guard updated.affected == 1 else { return }
        }
        if name != "converted" {
            countStep(
                strategy: run.row.strategy, version: run.row.version, step: row.step,
                channelType: row.channelType ?? "", holdout: run.row.holdout, counter: name)
        }
        if name == "opened" || name == "clicked", !row.engaged, let type = row.channelType {
            try recordScoreEngagement(cn: run.row.cn, channelType: type, at: at, turn: &turn)
        }
        if name != "delivered" {
            try attribute(ck: run.row.ck, cn: run.row.cn, event: name, at: at, value: value, turn: &turn)
        }
        try settle(run, event: name, touchStep: row.step, turn: &turn)
    }

    /// An event about a customer rather than a message: `opened` reaches the newest touch of `channelType` of
    /// each of the customer's active runs; any other event reaches the runs themselves (and is attributed).
    func applyCustomerEvent(
        _ name: String, ck: String, channelType: String, at: Int64, value: Double?, turn: inout PostgresTurn
    ) throws(PostgresError) {
        let connection = turn.connection
        guard let (cn, _) = try identity(ck: ck, on: connection) else { return }
        let active = try activeRuns(cn: cn, on: connection)
        if name == "opened" {
            for runID in active {
                let newest = try query(
                    on: connection,
                    PostgresStatement(
                        """
                        SELECT visit FROM run_steps WHERE run_id = $1 AND channel_type = $2 AND outcome = 'sent'
                        ORDER BY visit DESC LIMIT 1
                        """, [String(runID), channelType])
                ).scalar.flatMap { Int($0) }
                guard let newest else { continue }
                try applyEvent(name, to: Touch(runID: runID, visit: newest), at: at, value: value, turn: &turn)
            }
            return
        }
        if name != "delivered" { try attribute(ck: ck, cn: cn, event: name, at: at, value: value, turn: &turn) }
        for runID in active {
            guard let run = try loadRun(runID, on: connection) else { continue }
            if name != "converted" {
                countStep(
                    strategy: run.row.strategy, version: run.row.version, step: StrategyReport.runStep,
                    channelType: "", holdout: run.row.holdout, counter: name)
            }
            try settle(run, event: name, touchStep: nil, turn: &turn)
        }
    }

    /// SMS replies (not opt-out keywords) by sender: `replied` on the newest SMS touch of each customer with
    /// that number. Returns how many touches were reached.
    func recordReplies(_ senders: [String], at: Int64, turn: inout PostgresTurn) throws(PostgresError) -> Int {
        let connection = turn.connection
        var reached = 0
        for sender in senders {
            let customers = try query(
                on: connection,
                PostgresStatement(
                    "SELECT cn FROM customer_addresses WHERE address_key = $1 AND channel_type = 'sms' ORDER BY cn",
                    [cipher.dedupKey(PolicySubject.address(sender))]))
            for cn in customers.rows.compactMap({ $0[0].flatMap { Int64($0) } }) {
                let newest = try query(
                    on: connection,
                    PostgresStatement(
                        """
                        SELECT s.run_id, s.visit FROM runs r JOIN run_steps s ON s.run_id = r.run_id
                        WHERE r.cn = $1 AND s.channel_type = 'sms' AND s.outcome = 'sent'
                        ORDER BY s.at DESC, s.visit DESC LIMIT 1
                        """, [String(cn)]))
                guard let row = newest.rows.first, let runID = row[0].flatMap({ Int64($0) }) else { continue }
                let touch = Touch(runID: runID, visit: row[1].flatMap { Int($0) } ?? 0)
                try applyEvent("replied", to: touch, at: at, value: nil, turn: &turn)
                reached += 1
            }
        }
        return reached
    }

    /// Opt-outs finish the customer's runs whose strategy exits on `opted_out`; their queued messages are
    /// withdrawn in the same transaction.
    func applyOptOut(_ change: ConsentChange, turn: inout PostgresTurn) throws(PostgresError) {
        guard change.optOut else { return }
        let connection = turn.connection
        var numbers: [Int64]
        switch change.subject {
        case .customer(let id):
            numbers = try identity(ck: customerKey(id), on: connection).map { [$0.0] } ?? []
        case .address(let address):
            numbers = try query(
                on: connection,
                PostgresStatement(
                    "SELECT cn FROM customer_addresses WHERE address_key = $1 AND ($2 = '*' OR channel_type = $2)",
                    [cipher.dedupKey(PolicySubject.address(address)), change.channel])
            ).rows.compactMap { $0[0].flatMap { Int64($0) } }
        }
        for cn in Set(numbers).sorted() {
            for runID in try activeRuns(cn: cn, on: connection) {
                guard let run = try loadRun(runID, on: connection), run.row.state != .finished,
                    try versionRules(run.row.strategy, run.row.version, on: connection)?.exitOn.contains("opted_out")
                        == true
                else { continue }
                try finishOnEvent(run, outcome: .optedOut, reason: "opted_out", turn: &turn)
            }
        }
    }

    /// Exits the run if its strategy exits on `event`; else, if it waits for this event (on this touch's step
    /// or any), moves it to `on_event` with a timer due now; both by the compare-and-set.
    private func settle(_ run: EventRun, event: String, touchStep: String?, turn: inout PostgresTurn)
        throws(PostgresError)
    {
        guard run.row.state != .finished else { return }
        if try versionRules(run.row.strategy, run.row.version, on: turn.connection)?.exitOn.contains(event) == true {
            try finishOnEvent(run, outcome: .exited, reason: "run_exited", turn: &turn)
            return
        }
        guard run.row.state == .waiting, run.waitEvent == event, let onEvent = run.onEvent,
            run.waitRef == nil || run.waitRef == touchStep
        else { return }
        let visit = run.row.visit + 1
        try settle(
            run.row, visit: visit, to: RunPlacement(state: .ready, step: onEvent, timer: (turn.now, .wake)),
            customer: nil, turn: &turn)
        try insertStep(
            run.row, visit: visit,
            RunStepRecord(step: run.row.step, kind: "wait_for", outcome: .event(event), at: turn.now),
            on: turn.connection)
    }

    /// Finishes a run at once (also mid-wait): the history row's outcome is `exited`; the run's says why.
    private func finishOnEvent(_ run: EventRun, outcome: RunOutcome, reason: String, turn: inout PostgresTurn)
        throws(PostgresError)
    {
        let record = RunStepRecord(step: run.row.step, kind: "exit", outcome: .exited, at: turn.now)
        _ = try finishRun(run.row, outcome: outcome, withdrawReason: reason, record: record, turn: &turn)
    }

    /// The `run_steps` column an event sets once, if it is one of the touch's engagement times.
    static func touchColumn(_ event: String) -> String? {
        switch event {
        case "delivered": "delivered_at"
        case "opened": "opened_at"
        case "clicked": "clicked_at"
        case "replied": "replied_at"
        default: nil
        }
    }

    /// The run, locked for this transaction.
    private func loadRun(_ runID: Int64, on connection: PostgresConnection) throws(PostgresError) -> EventRun? {
        let rows = try query(
            on: connection,
            PostgresStatement(
                "SELECT \(Self.rowColumns), wait_event, wait_ref, on_event FROM runs WHERE run_id = $1 FOR UPDATE",
                [String(runID)]))
        guard let values = rows.rows.first else { return nil }
        return EventRun(row: Self.row(values), waitEvent: values[11], waitRef: values[12], onEvent: values[13])
    }

    private func loadTouch(_ touch: Touch, on connection: PostgresConnection) throws(PostgresError) -> EventTouch? {
        let rows = try query(
            on: connection,
            PostgresStatement(
                "SELECT step, channel_type, opened_at, clicked_at FROM run_steps WHERE run_id = $1 AND visit = $2",
                [String(touch.runID), String(touch.visit)]))
        guard let row = rows.rows.first else { return nil }
        return EventTouch(
            step: row[0] ?? "", channelType: row[1], openedAt: row[2].flatMap { Int64($0) },
            clickedAt: row[3].flatMap { Int64($0) })
    }

    /// The customer's active runs, in id order.
    private func activeRuns(cn: Int64, on connection: PostgresConnection) throws(PostgresError) -> [Int64] {
        try query(
            on: connection,
            PostgresStatement(
                "SELECT run_id FROM runs WHERE cn = $1 AND state != 'finished' ORDER BY run_id", [String(cn)])
        ).rows.compactMap { $0[0].flatMap { Int64($0) } }
    }

    // MARK: - Attribution

    /// Credits each run of the customer whose goal is this event, not yet converted and started within the goal
    /// window, once (design §10). `ck` is the subject the conversion is kept under.
    func attribute(ck: String, cn: Int64, event: String, at: Int64, value: Double?, turn: inout PostgresTurn)
        throws(PostgresError)
    {
        let connection = turn.connection
        let candidates = try query(
            on: connection,
            PostgresStatement(
                """
                SELECT run_id, name, version, holdout, started_at, customer_sealed FROM runs
                WHERE cn = $1 AND converted_at IS NULL ORDER BY started_at, run_id
                """, [String(cn)]))
        for values in candidates.rows {
            guard let runID = values[0].flatMap({ Int64($0) }) else { continue }
            let name = values[1] ?? ""
            let version = values[2].flatMap { Int($0) } ?? 0
            let holdout = values[3] == "1"
            let startedAt = values[4].flatMap { Int64($0) } ?? 0
            guard let rules = try versionRules(name, version, on: connection), rules.goalEvent == event,
                startedAt <= at, startedAt >= at - rules.goalWithin
            else { continue }
            let touches = try query(
                on: connection,
                PostgresStatement(
                    """
                    SELECT visit, step, channel_type, at FROM run_steps WHERE run_id = $1 AND outcome = 'sent'
                    ORDER BY visit
                    """, [String(runID)])
            ).rows.map { row in
                Attribution.Touch(
                    visit: row[0].flatMap { Int($0) } ?? 0, step: row[1] ?? "", channelType: row[2],
                    at: row[3].flatMap { Int64($0) } ?? 0)
            }
            let credit = Attribution.credit(
                touches: touches, at: at, within: rules.goalWithin, firstTouch: rules.firstTouch)
            // Once per run (not a state change: no revision); the mark decides, so two nodes credit it once.
            let marked = try query(
                on: connection,
                PostgresStatement(
                    "UPDATE runs SET converted_at = $2 WHERE run_id = $1 AND converted_at IS NULL",
                    [String(runID), String(at)]))
            guard marked.affected == 1 else { continue }
            later(
                PostgresStatement(
                    """
                    INSERT INTO conversions (name, version, run_id, ck, holdout, event, value, at, last_step,
                        last_channel_type, first_step, first_channel_type)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                    """,
                    [
                        name, String(version), String(runID), ck, holdout ? "1" : "0", event, value.map { String($0) },
                        String(at), credit.last?.step, credit.last?.channelType, credit.first?.step,
                        credit.first?.channelType,
                    ]))
            countStep(
                strategy: name, version: version, step: credit.credited?.step ?? StrategyReport.entryStep,
                channelType: credit.credited?.channelType ?? "", holdout: holdout,
                counter: StrategyReport.Counter.converted.rawValue, value: value ?? 0)
            if turn.changes != nil {
                turn.changes?.append(
                    .conversion(
                        runID: runID, strategy: name, customer: try open(values[5]) ?? "",
                        step: credit.credited?.step, channelType: credit.credited?.channelType, value: value, at: at))
            }
        }
    }

    /// A strategy version's rules, as registered (cached: a version's rules never change).
    func versionRules(_ name: String, _ version: Int, on connection: PostgresConnection) throws(PostgresError)
        -> StrategyRules?
    {
        let key = name + "\u{0}" + String(version)
        if let cached = versionRulesCache[key] { return cached }
        let text = try query(
            on: connection,
            PostgresStatement(
                "SELECT rules FROM strategy_versions WHERE name = $1 AND version = $2", [name, String(version)])
        ).scalar
        guard let text else { return nil }
        let rules = try PostgresMessageStore.fields { () throws(StoreError) in
            try StrategyRules(storedJSON: text, source: "")
        }
        versionRulesCache[key] = rules
        return rules
    }
}
