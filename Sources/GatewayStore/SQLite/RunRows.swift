/// How runs and their history are read back, by the writer (`runs`, after commit) and by the engine's reader:
/// one query text and one decoding, so both show the same thing.
package enum RunRows {
    /// Columns of a run with its timer; `FROM runs r LEFT JOIN run_timers t` and a WHERE clause follow.
    package static let columns = """
        SELECT r.run_id, r.name, r.version, r.state, r.step, r.rev, r.visit, r.holdout, r.wait_event, r.wait_ref,
            r.on_event, r.outcome, r.started_at, r.updated_at, r.finished_at, t.due_at, t.rev, t.kind, r.cn
        FROM runs r LEFT JOIN run_timers t ON t.run_id = r.run_id
        """

    /// A run's history, oldest first (`?1` = run id).
    static let history = """
        SELECT visit, step, kind, outcome, at, message_id, instance, channel_type, delivered_at, opened_at,
            clicked_at, replied_at
        FROM run_steps WHERE run_id = ?1 ORDER BY visit
        """

    /// The run on the statement's current row (selected with ``columns``), without customer and history.
    static func snapshot(_ row: SQLiteStatement) -> RunSnapshot {
        let runID = row.int64(0) ?? 0
        var waitingFor: WaitingFor?
        if let event = row.string(8) {
            waitingFor = WaitingFor(event: event, step: row.string(9), onEvent: row.string(10) ?? "")
        }
        var timer: DueTimer?
        if let dueAt = row.int64(15) {
            timer = DueTimer(
                runID: runID, dueAt: dueAt, rev: row.int64(16) ?? 0,
                kind: TimerKind(rawValue: row.string(17) ?? "") ?? .wake)
        }
        return RunSnapshot(
            runID: runID, strategy: row.string(1) ?? "", version: row.int(2),
            state: RunState(rawValue: row.string(3) ?? "") ?? .ready, step: row.string(4) ?? "",
            rev: row.int64(5) ?? 0, visits: row.int(6), holdout: row.int(7) != 0, waitingFor: waitingFor,
            outcome: row.string(11).flatMap(RunOutcome.init(rawValue:)), startedAt: row.int64(12) ?? 0,
            updatedAt: row.int64(13) ?? 0, finishedAt: row.int64(14), timer: timer)
    }

    /// The customer's number of the run on the current row (column 18 of ``columns``).
    static func customerNumber(_ row: SQLiteStatement) -> Int64 { row.int64(18) ?? 0 }

    /// The history of a run, read with `statement` (prepared from ``history``).
    static func history(of runID: Int64, _ statement: SQLiteStatement) throws(StoreError) -> [RunStepRecord] {
        statement.reset()
        defer { statement.reset() }
        statement.bind(1, runID)
        var records: [RunStepRecord] = []
        while try statement.step() {
            records.append(
                RunStepRecord(
                    visit: statement.int(0), step: statement.string(1) ?? "", kind: statement.string(2) ?? "",
                    outcome: RunStepRecord.Outcome(rawValue: statement.string(3) ?? ""), at: statement.int64(4) ?? 0,
                    messageID: statement.string(5), instance: statement.string(6), channelType: statement.string(7),
                    deliveredAt: statement.int64(8), openedAt: statement.int64(9), clickedAt: statement.int64(10),
                    repliedAt: statement.int64(11)))
        }
        return records
    }
}
