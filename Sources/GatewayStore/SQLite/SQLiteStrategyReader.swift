/// The engine's read connection (WAL: never blocks the writer): due timers by a range scan of `run_timers_due`,
/// runs with their customer and history, and stored definitions.
final class SQLiteStrategyReader: StrategyReading {
    private let database: SQLiteDatabase
    private let cipher: FieldCipher
    private let dueTimersStatement: SQLiteStatement
    private let runStatement: SQLiteStatement
    private let historyStatement: SQLiteStatement
    private let sourceStatement: SQLiteStatement
    private let customers: CustomerStatements

    init(database: SQLiteDatabase, cipher: FieldCipher) throws(StoreError) {
        self.database = database
        self.cipher = cipher
        // (due_at, run_id) > cursor, spelled so the index range starts at the cursor's due time.
        dueTimersStatement = try database.prepare(
            """
            SELECT run_id, due_at, rev, kind FROM run_timers
            WHERE due_at >= ?1 AND (due_at > ?1 OR run_id > ?2) AND due_at <= ?3
            ORDER BY due_at, run_id LIMIT ?4
            """)
        runStatement = try database.prepare(RunRows.columns + " WHERE r.run_id = ?1")
        historyStatement = try database.prepare(RunRows.history)
        sourceStatement = try database.prepare(
            "SELECT source FROM strategy_versions WHERE name = ?1 AND version = ?2")
        customers = try CustomerStatements(database)
    }

    func dueTimers(after cursor: DueTimer.Cursor, through: Int64, limit: Int) throws(StoreError) -> [DueTimer] {
        let statement = dueTimersStatement
        statement.reset()
        defer { statement.reset() }
        statement.bind(1, cursor.dueAt)
        statement.bind(2, cursor.runID)
        statement.bind(3, through)
        statement.bind(4, max(0, limit))
        var timers: [DueTimer] = []
        timers.reserveCapacity(min(limit, 4096))
        while try statement.step() {
            timers.append(
                DueTimer(
                    runID: statement.int64(0) ?? 0, dueAt: statement.int64(1) ?? 0, rev: statement.int64(2) ?? 0,
                    kind: TimerKind(rawValue: statement.string(3) ?? "") ?? .wake))
        }
        return timers
    }

    func runs(_ ids: [Int64], parts: (_ strategy: String, _ version: Int) -> CustomerFacts.Parts) throws(StoreError)
        -> [RunSnapshot]
    {
        // One read transaction for the lot, so a run and its history agree.
        try database.execute("BEGIN")
        defer { try? database.execute("COMMIT") }
        var runs: [RunSnapshot] = []
        runs.reserveCapacity(ids.count)
        for id in ids {
            runStatement.reset()
            runStatement.bind(1, id)
            guard try runStatement.step() else { continue }
            var run = RunRows.snapshot(runStatement)
            let cn = RunRows.customerNumber(runStatement)
            runStatement.reset()
            run.customer = try customers.facts(cn: cn, cipher: cipher, parts: parts(run.strategy, run.version))
            run.history = try RunRows.history(of: id, historyStatement)
            runs.append(run)
        }
        runStatement.reset()
        return runs
    }

    func definitionSource(strategy: String, version: Int) throws(StoreError) -> String? {
        let statement = sourceStatement
        statement.reset()
        defer { statement.reset() }
        statement.bind(1, strategy)
        statement.bind(2, version)
        return try statement.step() ? statement.string(0) : nil
    }
}
