public import GatewayStore

/// A strategy's report on PostgreSQL, as the SQLite store gives it (`SQLiteMessageStore+Report`): from
/// `step_counters`, `conversions` and one count of active runs, never a scan of the runs.
extension PostgresMessageStore {
    /// A strategy's funnel per step, channel type and group, its run totals and the conversion uplift, for one
    /// version or all (`nil`); `nil` when the name was never registered. Read in one round trip on a connection
    /// opened for the call (reports are rare), so the writer and the dispatcher never wait for it.
    public func strategyReport(_ name: String, version: Int?) throws(StoreError) -> StrategyReport? {
        let connection = try readConnection("report")
        let parameters = [name, version.map { String($0) }]
        let results: [PostgresRows]
        do {
            results = try connection.batch([
                PostgresStatement("SELECT latest FROM strategies WHERE name = $1", [name]),
                // Byte order (COLLATE "C") as SQLite's BINARY sorts, so lines come in the same order on both.
                // SUM of bigint is numeric: cast back, exact (SQLite's SUM stops at the same 64-bit bound).
                PostgresStatement(
                    """
                    SELECT step, channel_type, grp, counter, SUM(n)::bigint, SUM(value) FROM step_counters
                    WHERE name = $1 AND ($2::bigint IS NULL OR version = $2)
                    GROUP BY step, channel_type, grp, counter
                    ORDER BY step COLLATE "C", channel_type COLLATE "C", grp COLLATE "C", counter COLLATE "C"
                    """, parameters),
                // Partial index `runs_active` covers exactly `state != 'finished'`: a count, not a scan of all runs.
                PostgresStatement(
                    """
                    SELECT holdout, count(*) FROM runs
                    WHERE name = $1 AND state != 'finished' AND ($2::bigint IS NULL OR version = $2) GROUP BY holdout
                    """, parameters),
                // Without run-level counters (a store written before they existed) the runs themselves are
                // counted; the NOT EXISTS is evaluated once, so with them this reads no run.
                PostgresStatement(
                    """
                    SELECT holdout, count(*) FROM runs
                    WHERE name = $1 AND ($2::bigint IS NULL OR version = $2) AND NOT EXISTS (
                        SELECT 1 FROM step_counters
                        WHERE name = $1 AND step = $3 AND ($2::bigint IS NULL OR version = $2))
                    GROUP BY holdout
                    """, parameters + [StrategyReport.runStep]),
                PostgresStatement(
                    """
                    SELECT holdout, count(DISTINCT run_id), COALESCE(SUM(value), 0) FROM conversions
                    WHERE name = $1 AND ($2::bigint IS NULL OR version = $2) GROUP BY holdout
                    """, parameters),
            ])
        } catch {
            throw .statementFailed(error.message)
        }
        guard let latest = results[0].scalar.flatMap({ Int($0) }) else { return nil }

        let counters = results[1].rows.map { row in
            StrategyReport.CounterRow(
                step: row[0] ?? "", channelType: row[1] ?? "",
                group: StrategyReport.Group(rawValue: row[2] ?? "") ?? .treated, counter: row[3] ?? "",
                n: row[4].flatMap { Int($0) } ?? 0, value: row[5].flatMap { Double($0) } ?? 0)
        }
        return try StrategyReport.assemble(
            name: name, version: version, latest: latest, counters: counters,
            active: Self.perGroup(results[2].rows) { $0[1].flatMap { Int($0) } ?? 0 },
            counted: { Self.perGroup(results[3].rows) { $0[1].flatMap { Int($0) } ?? 0 } },
            converted: Self.perGroup(results[4].rows) {
                (runs: $0[1].flatMap { Int($0) } ?? 0, value: $0[2].flatMap { Double($0) } ?? 0)
            })
    }

    /// Rows grouped by `holdout` (column 0: nonzero is the holdout group), each read by `read`.
    private static func perGroup<Value>(_ rows: [[String?]], _ read: ([String?]) -> Value)
        -> [StrategyReport.Group: Value]
    {
        var values: [StrategyReport.Group: Value] = [:]
        for row in rows { values[(row[0].flatMap { Int($0) } ?? 0) != 0 ? .holdout : .treated] = read(row) }
        return values
    }
}
