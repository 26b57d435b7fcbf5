/// Moving parked runs to a strategy's latest version (design §9 "Versions"), a bounded batch per commit.
extension StoreWriter {
    /// Runs one `migrate` moves per commit at most, so the sweep never holds the writer for long.
    static let migrateBatch = 5000

    /// Moves up to `limit` runs of versions older than the latest, parked (waiting, or ready with a timer) at a
    /// key of `moves`, to the latest version at the mapped step: each by the compare-and-set on `rev`, its timer
    /// kept at its due time under the new revision (a timer the engine already holds then loses its set and
    /// the engine reads the row again). A waiting run's `on_event` is mapped too when `moves` names it.
    /// - Returns: the number moved (less than `limit` once none are left).
    func migrateRuns(strategy: String, moves: [String: String], limit: Int, now: Int64) throws(StoreError) -> Int {
        guard let latest = try strategyEntry(strategy)?.latest, limit > 0 else { return 0 }
        // `state != 'finished'` lets the planner use the partial index runs_active (name, cn).
        let select = try cached(
            """
            SELECT r.run_id, r.rev, r.on_event, t.due_at, t.kind FROM runs r JOIN run_timers t ON t.run_id = r.run_id
            WHERE r.name = ?1 AND r.state != 'finished' AND r.version < ?2 AND r.step = ?3 LIMIT ?4
            """)
        let move = try cached(
            """
            UPDATE runs SET version = ?3, step = ?4, on_event = ?5, rev = rev + 1, updated_at = ?6
            WHERE run_id = ?1 AND rev = ?2
            """)
        var moved = 0
        for (from, to) in moves.sorted(by: { $0.key < $1.key }) where moved < limit {
            select.reset()
            select.bind(1, strategy)
            select.bind(2, latest)
            select.bind(3, from)
            select.bind(4, limit - moved)
            var parked: [(runID: Int64, rev: Int64, onEvent: String?, dueAt: Int64, kind: TimerKind)] = []
            while try select.step() {
                parked.append(
                    (
                        select.int64(0) ?? 0, select.int64(1) ?? 0, select.string(2), select.int64(3) ?? now,
                        TimerKind(rawValue: select.string(4) ?? "") ?? .wake
                    ))
            }
            select.reset()
            for run in parked {
                move.reset()
                move.bind(1, run.runID)
                move.bind(2, run.rev)
                move.bind(3, latest)
                move.bind(4, to)
                move.bind(5, run.onEvent.map { moves[$0] ?? $0 })
                move.bind(6, now)
                try move.step()
                guard database.changes == 1 else { continue }
                try setTimer(run.runID, at: run.dueAt, rev: run.rev + 1, kind: run.kind)
                moved += 1
            }
        }
        return moved
    }
}
