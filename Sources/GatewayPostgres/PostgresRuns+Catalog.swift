import ChannelKit
import GatewayStore

/// Registration, what operators read about strategies and runs, version migration and pruning, on PostgreSQL
/// (`StoreWriter+Strategies`, `StoreWriter+Migrate` on SQLite).
extension PostgresRuns {
    /// Columns of a run with its timer (`FROM runs r LEFT JOIN run_timers t`), for ``snapshot(_:)``: the
    /// SQLite store's text, so both show the same thing.
    static let snapshotColumns = RunRows.columns

    /// Run histories, oldest first, for the runs in `$1` (a `bigint[]`).
    static let historyOfRuns = """
        SELECT run_id, visit, step, kind, outcome, at, message_id, instance, channel_type, delivered_at, opened_at,
            clicked_at, replied_at
        FROM run_steps WHERE run_id = ANY($1::bigint[]) ORDER BY run_id, visit
        """

    /// A run selected with ``snapshotColumns``, without customer and history.
    static func snapshot(_ row: [String?]) -> RunSnapshot {
        func int64(_ index: Int) -> Int64? { row[index].flatMap { Int64($0) } }
        let runID = int64(0) ?? 0
        var waitingFor: WaitingFor?
        if let event = row[8] { waitingFor = WaitingFor(event: event, step: row[9], onEvent: row[10] ?? "") }
        var timer: DueTimer?
        if let dueAt = int64(15) {
            timer = DueTimer(
                runID: runID, dueAt: dueAt, rev: int64(16) ?? 0, kind: TimerKind(rawValue: row[17] ?? "") ?? .wake)
        }
        return RunSnapshot(
            runID: runID, strategy: row[1] ?? "", version: Int(int64(2) ?? 0),
            state: RunState(rawValue: row[3] ?? "") ?? .ready, step: row[4] ?? "", rev: int64(5) ?? 0,
            visits: Int(int64(6) ?? 0), holdout: row[7] == "1", waitingFor: waitingFor,
            outcome: row[11].flatMap(RunOutcome.init(rawValue:)), startedAt: int64(12) ?? 0,
            updatedAt: int64(13) ?? 0, finishedAt: int64(14), timer: timer)
    }

    /// The histories of `runs`, read in one statement and attached in place.
    static func attachHistories(_ runs: inout [RunSnapshot], on connection: PostgresConnection) throws(PostgresError) {
        guard !runs.isEmpty else { return }
        let rows = try connection.query(
            PostgresStatement(historyOfRuns, [PostgresArray.bigint(runs.map(\.runID))]))
        var histories: [Int64: [RunStepRecord]] = [:]
        for row in rows.rows {
            func int64(_ index: Int) -> Int64? { row[index].flatMap { Int64($0) } }
            histories[int64(0) ?? 0, default: []].append(
                RunStepRecord(
                    visit: Int(int64(1) ?? 0), step: row[2] ?? "", kind: row[3] ?? "",
                    outcome: RunStepRecord.Outcome(rawValue: row[4] ?? ""), at: int64(5) ?? 0, messageID: row[6],
                    instance: row[7], channelType: row[8], deliveredAt: int64(9), openedAt: int64(10),
                    clickedAt: int64(11), repliedAt: int64(12)))
        }
        for index in runs.indices { runs[index].history = histories[runs[index].runID] ?? [] }
    }

    /// Stores each strategy's version: a new fingerprint becomes version N+1; names not given are retired (their
    /// runs go on). Serialized across nodes by an advisory lock, so two nodes starting with a new file agree on
    /// its version. The latest version per given name.
    func register(_ strategies: [StrategyRules], on connection: PostgresConnection, now: Int64) throws(PostgresError)
        -> [String: Int]
    {
        _ = try query(
            on: connection,
            PostgresStatement("SELECT pg_advisory_xact_lock(hashtextextended('cgw-strategies', 0))"))
        var versions: [String: Int] = [:]
        for rules in strategies {
            let latest = try query(
                on: connection,
                PostgresStatement(
                    """
                    SELECT s.latest, v.fingerprint, v.rules FROM strategies s
                    JOIN strategy_versions v ON v.name = s.name AND v.version = s.latest WHERE s.name = $1
                    """, [rules.name]))
            var version = 1
            var stored: (fingerprint: String, rules: String)?
            if let row = latest.rows.first {
                version = row[0].flatMap { Int($0) } ?? 1
                stored = (row[1] ?? "", row[2] ?? "")
            }
            let json = rules.storedJSON
            if let stored, stored.fingerprint == rules.fingerprint {
                // Same file: the same version (rules derived from it may have gained a field since).
                if stored.rules != json {
                    _ = try query(
                        on: connection,
                        PostgresStatement(
                            "UPDATE strategy_versions SET rules = $3 WHERE name = $1 AND version = $2",
                            [rules.name, String(version), json]))
                }
            } else {
                if stored != nil { version += 1 }
                _ = try query(
                    on: connection,
                    PostgresStatement(
                        """
                        INSERT INTO strategy_versions (name, version, fingerprint, source, rules, loaded_at)
                        VALUES ($1, $2, $3, $4, $5, $6)
                        """, [rules.name, String(version), rules.fingerprint, rules.source, json, String(now)]))
            }
            _ = try query(
                on: connection,
                PostgresStatement(
                    """
                    INSERT INTO strategies (name, latest, retired) VALUES ($1, $2, 0)
                    ON CONFLICT (name) DO UPDATE SET latest = excluded.latest, retired = 0
                    """, [rules.name, String(version)]))
            versions[rules.name] = version
        }
        _ = try query(
            on: connection,
            PostgresStatement(
                "UPDATE strategies SET retired = 1 WHERE retired = 0 AND NOT (name = ANY($1::text[]))",
                [PostgresArray.text(versions.keys.sorted())]))
        forgetStrategies()
        // Events look for runs once any strategy was ever registered (retired ones' runs still finish).
        served = try query(on: connection, PostgresStatement("SELECT EXISTS (SELECT 1 FROM strategies)")).scalar == "t"
        return versions
    }

    /// A customer's runs, newest first, with timer and history.
    func runSnapshots(of customer: String, limit: Int, on connection: PostgresConnection) throws(PostgresError)
        -> [RunSnapshot]
    {
        guard let (cn, _) = try identity(ck: customerKey(customer), on: connection) else { return [] }
        let rows = try query(
            on: connection,
            PostgresStatement(
                Self.snapshotColumns + " WHERE r.cn = $1 ORDER BY r.started_at DESC, r.run_id DESC LIMIT $2",
                [String(cn), String(max(0, limit))]))
        var runs = rows.rows.map(Self.snapshot)
        try Self.attachHistories(&runs, on: connection)
        return runs
    }

    /// Every strategy with its versions; run counts from the `(run)` counters (no scan of runs).
    static func strategyList(on connection: PostgresConnection) throws(PostgresError) -> [StrategyVersionInfo] {
        let results = try connection.batch([
            PostgresStatement("SELECT name, latest, retired FROM strategies ORDER BY name COLLATE \"C\""),
            PostgresStatement("SELECT name, version, fingerprint, loaded_at FROM strategy_versions ORDER BY version"),
            PostgresStatement(
                """
                SELECT name, version, counter, SUM(n) FROM step_counters
                WHERE step = '(run)' AND counter IN ('entered', 'finished') GROUP BY name, version, counter
                """),
        ])
        var counts: [String: (entered: Int, finished: Int)] = [:]
        for row in results[2].rows {
            let key = (row[0] ?? "") + "\u{0}" + (row[1] ?? "")
            let n = row[3].flatMap { Int($0) } ?? 0
            if row[2] == "entered" {
                counts[key, default: (0, 0)].entered = n
            } else {
                counts[key, default: (0, 0)].finished = n
            }
        }
        var versions: [String: [StrategyVersionInfo.Version]] = [:]
        for row in results[1].rows {
            let name = row[0] ?? ""
            let count = counts[name + "\u{0}" + (row[1] ?? "")] ?? (0, 0)
            versions[name, default: []].append(
                .init(
                    version: row[1].flatMap { Int($0) } ?? 0, fingerprint: row[2] ?? "",
                    loadedAt: row[3].flatMap { Int64($0) } ?? 0, active: max(0, count.entered - count.finished),
                    finished: count.finished))
        }
        return results[0].rows.map { row in
            StrategyVersionInfo(
                name: row[0] ?? "", latest: row[1].flatMap { Int($0) } ?? 0, retired: row[2] == "1",
                versions: versions[row[0] ?? ""] ?? [])
        }
    }

    /// Moves up to `limit` runs of versions older than the latest, parked at a key of `moves`, to the latest
    /// version at the mapped step, each by the compare-and-set (locked, skipping runs another node holds now:
    /// the next batch takes them); the number moved.
    func migrateRuns(strategy: String, moves: [String: String], limit: Int, turn: inout PostgresTurn)
        throws(PostgresError) -> Int
    {
        let connection = turn.connection
        guard let latest = try strategyEntry(strategy, on: connection, now: turn.now)?.latest, limit > 0 else {
            return 0
        }
        var moved = 0
        for (from, to) in moves.sorted(by: { $0.key < $1.key }) where moved < limit {
            let parked = try query(
                on: connection,
                PostgresStatement(
                    """
                    SELECT r.run_id, r.rev, r.on_event, t.due_at, t.kind FROM runs r
                    JOIN run_timers t ON t.run_id = r.run_id
                    WHERE r.name = $1 AND r.state != 'finished' AND r.version < $2 AND r.step = $3
                    ORDER BY r.run_id LIMIT $4 FOR UPDATE OF r SKIP LOCKED
                    """, [strategy, String(latest), from, String(limit - moved)]))
            for row in parked.rows {
                guard let runID = row[0].flatMap({ Int64($0) }), let rev = row[1].flatMap({ Int64($0) }) else {
                    continue
                }
                let updated = try query(
                    on: connection,
                    PostgresStatement(
                        """
                        UPDATE runs SET version = $3, step = $4, on_event = $5, rev = rev + 1, updated_at = $6
                        WHERE run_id = $1 AND rev = $2
                        """,
                        [
                            String(runID), String(rev), String(latest), to, row[2].map { moves[$0] ?? $0 },
                            String(turn.now),
                        ]
                    ))
                guard updated.affected == 1 else { continue }
                try setTimer(
                    runID, at: row[3].flatMap { Int64($0) } ?? turn.now, rev: rev + 1,
                    kind: TimerKind(rawValue: row[4] ?? "") ?? .wake, on: connection)
                moved += 1
            }
        }
        return moved
    }
}
