import ChannelKit
import ControlProtocol

/// A strategy message's run and history row (`messages.run_id`, `run_visit`).
struct RunTouch: Sendable, Equatable {
    var runID: Int64
    var visit: Int

    init(runID: Int64, visit: Int) {
        self.runID = runID
        self.visit = visit
    }

    /// The touch in columns `column` (run id) and `column + 1` (visit) of the current row; `nil` for a message
    /// no strategy sent.
    init?(_ row: SQLiteStatement, at column: Int32) {
        guard let runID = row.int64(column) else { return nil }
        self.init(runID: runID, visit: row.int(column + 1))
    }
}

/// Events into runs (design §7): receipts, tracked clicks, the `event` operation and opt-outs reach the runs
/// they concern inside the writer transaction that records them. Per event: the touch's `*_at` is set once,
/// counters, the first open or click of a touch feeds the channel score, `exit_on` finishes the run, a matching
/// `wait_for` moves it on, a goal event is attributed. Every change to a run is the compare-and-set on
/// `runs.rev`, so an event racing a timeout or an exit has exactly one winner.
extension StoreWriter {
    /// A run as the event hooks need it.
    struct EventRun {
        var runID: Int64
        var name: String
        var version: Int
        var ck: String
        var cn: Int64
        var customerSealed: String?
        var state: RunState
        var step: String
        var rev: Int64
        var visit: Int
        var holdout: Bool
        var waitEvent: String?
        var waitRef: String?
        var onEvent: String?

        /// The run as RUNS' compare-and-set takes it.
        var row: RunRow {
            RunRow(
                runID: runID, strategy: name, version: version, ck: ck, cn: cn, customerSealed: customerSealed,
                state: state,
                step: step, rev: rev, visit: visit, holdout: holdout)
        }
    }

    /// A send row of a run, with its engagement times.
    struct EventTouch {
        var step: String
        var channelType: String?
        var outcome: String
        var deliveredAt: Int64?
        var openedAt: Int64?
        var clickedAt: Int64?
        var repliedAt: Int64?

        /// Whether the touch was opened or clicked before (a score counts one engagement per touch).
        var engaged: Bool { openedAt != nil || clickedAt != nil }
    }

    var runEvents: RunEventState { receiptStatements.runEvents }

    /// The run and visit of the message with this sequence, if a strategy sent it.
    func touch(ofMessage sequence: Int64) throws(StoreError) -> RunTouch? {
        let select = try cached("SELECT run_id, run_visit FROM messages WHERE seq = ?1")
        select.bind(1, sequence)
        guard try select.step() else { return nil }
        defer { select.reset() }
        return RunTouch(select, at: 0)
    }

    /// A vendor receipt for a strategy message: `delivered`; a call `answered` is delivered and opened; a vendor
    /// click receipt is clicked and opened (design §8: the only open signal some push vendors give).
    func applyReceipt(_ event: Receipt.Event, to touch: RunTouch, at: Int64, now: Int64) throws(StoreError) {
        for name in event.runEvents { try applyEvent(name, to: touch, at: at, value: nil, now: now) }
    }

    /// The first click on a tracked link of a strategy message: `clicked`, and for channels without any other
    /// open signal (SMS, WeCom, the Official Account) also `opened`.
    func applyTrackedClick(to touch: RunTouch, at: Int64, now: Int64) throws(StoreError) {
        guard let row = try loadTouch(touch) else { return }
        try applyEvent("clicked", to: touch, at: at, value: nil, now: now)
        if let type = row.channelType, Self.opensOnTrackedClick.contains(type) {
            try applyEvent("opened", to: touch, at: at, value: nil, now: now)
        }
    }

    /// Channel types whose only "opened" is a click on a tracked link.
    static let opensOnTrackedClick: Set<String> = ["sms", "wecom", "wechat_oa"]

    /// An event about one touch of a run.
    func applyEvent(_ name: String, to touch: RunTouch, at: Int64, value: Double?, now: Int64) throws(StoreError) {
        guard let run = try loadRun(touch.runID), let row = try loadTouch(touch) else { return }
        if let column = Self.touchColumn(name) {
            // First only: a repeated receipt or a second click changes nothing, counts nothing.
            let update = try cached(
                "UPDATE run_steps SET \(column) = ?3 WHERE run_id = ?1 AND visit = ?2 AND \(column) IS NULL")
            update.bind(1, touch.runID)
            update.bind(2, touch.visit)
            update.bind(3, at)
            try update.step()
            guard database.changes == 1 else { return }
        }
        if name != "converted" {
            countStep(
                strategy: run.name, version: run.version, step: row.step, channelType: row.channelType ?? "",
                holdout: run.holdout, counter: name)
        }
        if name == "opened" || name == "clicked", !row.engaged, let type = row.channelType {
            try recordScoreEngagement(cn: run.cn, channelType: type, at: at)
        }
        if name != "delivered" { try attribute(ck: run.ck, cn: run.cn, event: name, at: at, value: value, now: now) }
        try settle(run, event: name, touchStep: row.step, now: now)
    }

    /// An event about a customer rather than a message: `opened` reaches the newest touch of `channelType`
    /// (app push: only the bank's app sees those opens) of each of the customer's active runs; any other event
    /// reaches the runs themselves (and is attributed).
    func applyCustomerEvent(
        _ name: String, ck: String, channelType: String = "app_push", at: Int64, value: Double?, now: Int64
    ) throws(StoreError) {
        guard let cn = try customerStatements.number(ck: ck) else { return }
        let active = try activeRuns(cn: cn)
        if name == "opened" {
            let newest = try cached(
                """
                SELECT visit FROM run_steps WHERE run_id = ?1 AND channel_type = ?2 AND outcome = 'sent'
                ORDER BY visit DESC LIMIT 1
                """)
            for runID in active {
                newest.reset()
                newest.bind(1, runID)
                newest.bind(2, channelType)
                guard try newest.step() else { continue }
                let visit = newest.int(0)
                newest.reset()
                try applyEvent(name, to: RunTouch(runID: runID, visit: visit), at: at, value: value, now: now)
            }
            return
        }
        if name != "delivered" { try attribute(ck: ck, cn: cn, event: name, at: at, value: value, now: now) }
        for runID in active {
            guard let run = try loadRun(runID) else { continue }
            if name != "converted" {
                countStep(
                    strategy: run.name, version: run.version, step: StrategyReport.runStep, channelType: "",
                    holdout: run.holdout, counter: name)
            }
            try settle(run, event: name, touchStep: nil, now: now)
        }
    }

    /// SMS replies (not opt-out keywords) by sender: `replied` on the newest SMS touch of each customer with
    /// that number. Returns how many touches were reached.
    func recordReplies(_ senders: [String], at: Int64, now: Int64) throws(StoreError) -> Int {
        let customers = try cached(
            "SELECT cn FROM customer_addresses WHERE address_key = ?1 AND channel_type = 'sms'")
        let newest = try cached(
            """
            SELECT s.run_id, s.visit FROM runs r JOIN run_steps s ON s.run_id = r.run_id
            WHERE r.cn = ?1 AND s.channel_type = 'sms' AND s.outcome = 'sent' ORDER BY s.at DESC, s.visit DESC LIMIT 1
            """)
        var reached = 0
        for sender in senders {
            customers.reset()
            customers.bind(1, addressKey(sender))
            var numbers: [Int64] = []
            while try customers.step() { numbers.append(customers.int64(0) ?? 0) }
            customers.reset()
            for cn in numbers {
                newest.reset()
                newest.bind(1, cn)
                guard try newest.step(), let touch = RunTouch(newest, at: 0) else { continue }
                newest.reset()
                try applyEvent("replied", to: touch, at: at, value: nil, now: now)
                reached += 1
            }
        }
        return reached
    }

    /// Opt-outs finish the customer's runs whose strategy exits on `opted_out` (an address finds its customers
    /// through `customer_addresses_key`); their queued messages are withdrawn in the same transaction.
    func applyOptOut(_ change: ConsentChange, now: Int64) throws(StoreError) {
        guard change.optOut else { return }
        var numbers: [Int64]
        switch change.subject {
        case .customer(let id): numbers = try customerStatements.number(ck: customerKey(id)).map { [$0] } ?? []
        case .address(let address):
            let select = try cached(
                "SELECT cn FROM customer_addresses WHERE address_key = ?1 AND (?2 = '*' OR channel_type = ?2)")
            select.bind(1, addressKey(address))
            select.bind(2, change.channel)
            numbers = []
            while try select.step() { numbers.append(select.int64(0) ?? 0) }
            select.reset()
        }
        for cn in Set(numbers) {
            for runID in try activeRuns(cn: cn) {
                guard let run = try loadRun(runID), run.state != .finished,
                    try versionRules(run.name, run.version)?.exitOn.contains("opted_out") == true
                else { continue }
                try finishOnEvent(run, outcome: .optedOut, reason: "opted_out", now: now)
            }
        }
    }

    /// Exits the run if its strategy exits on `event`; else, if it waits for this event (on this touch's step
    /// or any), moves it to `on_event` with a timer due now. Both by the compare-and-set on `rev` (RUNS'
    /// `settle`, shared with timers and exits), so exactly one settler wins.
    private func settle(_ run: EventRun, event: String, touchStep: String?, now: Int64) throws(StoreError) {
        guard run.state != .finished else { return }
        if try versionRules(run.name, run.version)?.exitOn.contains(event) == true {
            try finishOnEvent(run, outcome: .exited, reason: "run_exited", now: now)
            return
        }
        guard run.state == .waiting, run.waitEvent == event, let onEvent = run.onEvent,
            run.waitRef == nil || run.waitRef == touchStep
        else { return }
        let visit = run.visit + 1
        let row = run.row
        guard
            try self.settle(
                row, visit: visit, to: RunPlacement(state: .ready, step: onEvent, timer: (now, .wake)), customer: nil,
                now: now)
        else { return }
        try insertStep(
            row, visit: visit, RunStepRecord(step: run.step, kind: "wait_for", outcome: .event(event), at: now))
    }

    /// Finishes a run at once (also mid-wait): compare-and-set, timer deleted, history row, queued messages of
    /// the run withdrawn (`cancelled`, `reason`). The history row's outcome `exited` is also the step's counter;
    /// the run's outcome (`exited`, `opted_out`) says why.
    func finishOnEvent(_ run: EventRun, outcome: RunOutcome, reason: String, now: Int64) throws(StoreError) {
        let record = RunStepRecord(step: run.step, kind: "exit", outcome: .exited, at: now)
        _ = try finishRun(run.row, outcome: outcome, withdrawReason: reason, record: record, now: now)
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

    func loadRun(_ runID: Int64) throws(StoreError) -> EventRun? {
        let select = try cached(
            """
            SELECT name, version, ck, customer_sealed, state, step, rev, visit, holdout, wait_event, wait_ref,
                on_event, cn
            FROM runs WHERE run_id = ?1
            """)
        select.bind(1, runID)
        guard try select.step() else { return nil }
        defer { select.reset() }
        return EventRun(
            runID: runID, name: select.string(0) ?? "", version: select.int(1), ck: select.string(2) ?? "",
            cn: select.int64(12) ?? 0, customerSealed: select.string(3),
            state: RunState(rawValue: select.string(4) ?? "") ?? .finished,
            step: select.string(5) ?? "", rev: select.int64(6) ?? 0, visit: select.int(7),
            holdout: select.int(8) != 0, waitEvent: select.string(9), waitRef: select.string(10),
            onEvent: select.string(11))
    }

    private func loadTouch(_ touch: RunTouch) throws(StoreError) -> EventTouch? {
        let select = try cached(
            """
            SELECT step, channel_type, outcome, delivered_at, opened_at, clicked_at, replied_at FROM run_steps
            WHERE run_id = ?1 AND visit = ?2
            """)
        select.bind(1, touch.runID)
        select.bind(2, touch.visit)
        guard try select.step() else { return nil }
        defer { select.reset() }
        return EventTouch(
            step: select.string(0) ?? "", channelType: select.string(1), outcome: select.string(2) ?? "",
            deliveredAt: select.int64(3), openedAt: select.int64(4), clickedAt: select.int64(5),
            repliedAt: select.int64(6))
    }

    /// The customer's active runs (index runs_customer).
    private func activeRuns(cn: Int64) throws(StoreError) -> [Int64] {
        let select = try cached("SELECT run_id FROM runs WHERE cn = ?1 AND state != 'finished'")
        select.bind(1, cn)
        var runs: [Int64] = []
        while try select.step() { runs.append(select.int64(0) ?? 0) }
        select.reset()
        return runs
    }

    /// A strategy version's rules, as registered (cached: a version's rules never change).
    func versionRules(_ name: String, _ version: Int) throws(StoreError) -> StrategyRules? {
        let key = name + "\u{0}" + String(version)
        if let cached = runEvents.rules[key] { return cached }
        let select = try cached("SELECT rules FROM strategy_versions WHERE name = ?1 AND version = ?2")
        select.bind(1, name)
        select.bind(2, version)
        guard try select.step(), let text = select.string(0) else { return nil }
        select.reset()
        let rules = try StrategyRules(storedJSON: text, source: "")
        runEvents.rules[key] = rules
        return rules
    }
}
