import ChannelKit
import GatewayStore

/// The strategy engine's read connection on PostgreSQL: this node's due timers and released ones, the runs they
/// wake with their customers and history, and stored definitions.
///
/// A node reads the timers its own commits wrote (`claimed_by` = node, from the engine's cursor, by the index
/// `run_timers_due`) and every released timer (`claimed_by IS NULL`: its node stopped or died) due by then,
/// wherever the cursor stands. Two nodes may both fire a released timer; the run's compare-and-set lets one win.
final class PostgresStrategyReader: StrategyReading {
    private let connection: PostgresConnection
    private let cipher: FieldCipher
    private let node: String

    init(connection: PostgresConnection, cipher: FieldCipher, node: String) {
        self.connection = connection
        self.cipher = cipher
        self.node = node
    }

    func dueTimers(after cursor: DueTimer.Cursor, through: Int64, limit: Int) throws(StoreError) -> [DueTimer] {
        let rows = try Self.store { () throws(PostgresError) in
            try connection.query(
                PostgresStatement(
                    """
                    (SELECT run_id, due_at, rev, kind FROM run_timers
                     WHERE claimed_by = $1 AND (due_at, run_id) > ($2, $3) AND due_at <= $4
                     ORDER BY due_at, run_id LIMIT $5)
                    UNION ALL
                    (SELECT run_id, due_at, rev, kind FROM run_timers WHERE claimed_by IS NULL AND due_at <= $4
                     ORDER BY due_at, run_id LIMIT $5)
                    ORDER BY 2, 1 LIMIT $5
                    """,
                    [node, String(cursor.dueAt), String(cursor.runID), String(through), String(max(0, limit))]))
        }
        return rows.rows.map { row in
            DueTimer(
                runID: row[0].flatMap { Int64($0) } ?? 0, dueAt: row[1].flatMap { Int64($0) } ?? 0,
                rev: row[2].flatMap { Int64($0) } ?? 0, kind: TimerKind(rawValue: row[3] ?? "") ?? .wake)
        }
    }

    func runs(_ ids: [Int64], parts: (_ strategy: String, _ version: Int) -> CustomerFacts.Parts) throws(StoreError)
        -> [RunSnapshot]
    {
        guard !ids.isEmpty else { return [] }
        // One snapshot for the lot (REPEATABLE READ), so a run, its history and its customer agree.
        return try Self.store { () throws(PostgresError) in
            try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do throws(PostgresError) {
                let rows = try connection.query(
                    PostgresStatement(
                        PostgresRuns.snapshotColumns + " WHERE r.run_id = ANY($1::bigint[]) ORDER BY r.run_id",
                        [PostgresArray.bigint(ids)]))
                var runs = rows.rows.map(PostgresRuns.snapshot)
                let numbers = rows.rows.map { $0[18].flatMap { Int64($0) } ?? 0 }
                try PostgresRuns.attachHistories(&runs, on: connection)
                // The parts any of them needs, for all (one round trip; a part a run did not ask for is unused).
                var wanted: CustomerFacts.Parts = []
                for run in runs { wanted.formUnion(parts(run.strategy, run.version)) }
                let facts = try PostgresCustomerDirectory(cipher: cipher).facts(
                    numbers: Array(Set(numbers)), parts: wanted, on: connection)
                for index in runs.indices { runs[index].customer = facts[numbers[index]] }
                try connection.execute("COMMIT")
                // In the order asked for, as the SQLite reader answers.
                let byID = Dictionary(runs.map { ($0.runID, $0) }) { first, _ in first }
                return ids.compactMap { byID[$0] }
            } catch {
                connection.rollback()
                throw error
            }
        }
    }

    func definitionSource(strategy: String, version: Int) throws(StoreError) -> String? {
        try Self.store { () throws(PostgresError) in
            try connection.query(
                PostgresStatement(
                    "SELECT source FROM strategy_versions WHERE name = $1 AND version = $2",
                    [strategy, String(version)])
            ).scalar
        }
    }

    private static func store<Value>(_ body: () throws(PostgresError) -> Value) throws(StoreError) -> Value {
        do {
            return try body()
        } catch {
            throw .statementFailed(error.message)
        }
    }
}
