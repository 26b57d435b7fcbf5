import ChannelKit
import GatewayConfig
import GatewayPostgres
import PostgresTesting
import Testing

/// The libpq connection against a real PostgreSQL of the test's own: pipelined transactions, parameters, failures.
@Suite struct PostgresConnectionTests {
    /// A connection to a fresh database of its own.
    static func connect() throws -> PostgresConnection {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        return try PostgresConnection(PostgresConnectionString(Secret(cluster.url(database: database))))
    }

    @Test func aTransactionReturnsEachStatementsRows() throws {
        let connection = try Self.connect()
        try connection.execute("CREATE TABLE t (k text PRIMARY KEY, n bigint)")
        let results = try connection.transaction([
            PostgresStatement("INSERT INTO t VALUES ($1, $2)", ["a", "1"]),
            PostgresStatement("INSERT INTO t VALUES ($1, $2), ($3, NULL)", ["b", "2", "c"]),
            PostgresStatement("SELECT k, n FROM t ORDER BY k"),
        ])
        #expect(results.count == 3)
        #expect(results[0].affected == 1)
        #expect(results[1].affected == 2)
        #expect(results[2].columns == ["k", "n"])
        #expect(results[2].rows == [["a", "1"], ["b", "2"], ["c", nil]])
    }

    @Test func statementsWithParametersArePreparedOnceAndPlannedForTheirValues() throws {
        let connection = try Self.connect()
        let statement = PostgresStatement("SELECT $1::bigint + 1", ["41"])
        for _ in 0..<3 { #expect(try connection.query(statement).scalar == "42") }
        _ = try connection.batch([statement, PostgresStatement("SELECT $1::text", ["x"])])
        let prepared = try connection.query(
            PostgresStatement("SELECT statement FROM pg_prepared_statements WHERE name LIKE $1 ORDER BY name", ["cgw%"])
        )
        // The count query itself has a parameter, so it is prepared too: three statements, each once.
        #expect(prepared.rows.count == 3, "\(prepared.rows)")
        #expect(prepared.rows.first?.first == "SELECT $1::bigint + 1")
        #expect(try connection.query(PostgresStatement("SHOW plan_cache_mode")).scalar == "force_custom_plan")
    }

    @Test func aSessionThatForgetsItsPreparedStatementsFallsBackToUnprepared() throws {
        let connection = try Self.connect()
        let statement = PostgresStatement("SELECT $1::text", ["a"])
        #expect(try connection.query(statement).scalar == "a")
        // What a pooler in transaction mode does: the next statement lands on a session that never prepared it.
        try connection.execute("DEALLOCATE ALL")
        #expect(throws: PostgresError.self) { try connection.query(statement) }
        #expect(try connection.query(statement).scalar == "a")
        #expect(try connection.batch([statement, statement]).map(\.scalar) == ["a", "a"])
        let left = try connection.query(PostgresStatement("SELECT count(*) FROM pg_prepared_statements"))
        #expect(left.scalar == "0")
    }

    @Test func parametersRoundTripAsText() throws {
        let connection = try Self.connect()
        let text = "银行 'quoted' \"double\" \\ back; DROP TABLE x; --"
        let rows = try connection.query(PostgresStatement("SELECT $1::text, $2::text IS NULL", [text, nil]))
        #expect(rows.rows == [[text, "t"]])
    }

    @Test func aFailedStatementUndoesItsWholeTransactionAndTheConnectionGoesOn() throws {
        let connection = try Self.connect()
        try connection.execute("CREATE TABLE t (k text PRIMARY KEY)")
        _ = try connection.transaction([PostgresStatement("INSERT INTO t VALUES ('taken')")])
        do {
            _ = try connection.transaction([
                PostgresStatement("INSERT INTO t VALUES ('new')"),
                PostgresStatement("INSERT INTO t VALUES ('taken')"),
                PostgresStatement("INSERT INTO t VALUES ('after')"),
            ])
            Issue.record("a duplicate key was accepted")
        } catch {
            #expect(error.isUniqueViolation)
            #expect(error.description.contains("duplicate key"))
        }
        let rows = try connection.query(PostgresStatement("SELECT k FROM t ORDER BY k"))
        #expect(rows.rows == [["taken"]])
        // The next transaction is not stuck in the failed one.
        _ = try connection.transaction([PostgresStatement("INSERT INTO t VALUES ('next')")])
        #expect(try connection.query(PostgresStatement("SELECT count(*) FROM t")).scalar == "2")
    }

    @Test func fiveHundredStatementsInOneTransaction() throws {
        let connection = try Self.connect()
        try connection.execute("CREATE TABLE t (n bigint PRIMARY KEY, label text NOT NULL)")
        let statements = (1...500).map {
            PostgresStatement("INSERT INTO t VALUES ($1, $2)", [String($0), "row \($0)"])
        }
        let results = try connection.transaction(statements)
        #expect(results.count == 500)
        #expect(try connection.query(PostgresStatement("SELECT sum(n) FROM t")).scalar == "125250")
    }

    @Test func noServerIsAClearErrorWithoutThePassword() throws {
        let cluster = try PostgresCluster.shared
        // A port nothing listens on, in the cluster's socket directory.
        let url = try PostgresConnectionString(
            Secret("postgresql://gateway:s3cret@/gw?host=\(cluster.directory)&port=1"))
        do {
            _ = try PostgresConnection(url, connectTimeoutSeconds: 2)
            Issue.record("connected to nothing")
        } catch {
            #expect(
                error.description.hasPrefix("postgresql connect_failed: cannot connect to host=\(cluster.directory)"))
            #expect(!error.description.contains("s3cret"))
        }
    }

    @Test func aMalformedStringIsRefusedByLibpq() {
        #expect(throws: PostgresConnectionString.Problem.self) {
            try PostgresConnectionString(Secret("host=a port"))
        }
        #expect(throws: PostgresConnectionString.Problem.self) {
            try PostgresConnectionString(Secret("postgresql://a/b?nosuchoption=1"))
        }
    }
}
