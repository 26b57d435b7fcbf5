import ChannelKit
import Foundation
import GatewayConfig
import GatewayPostgres
import Logging
import PostgresTesting
import Testing

/// Migrations against a real PostgreSQL: once, in order, under the lock, and never over a newer schema.
@Suite struct PostgresSchemaTests {
    static let logger = Logger(label: "test")

    @Test func aFreshDatabaseGetsEveryVersionOnce() throws {
        let connection = try PostgresConnectionTests.connect()
        #expect(try PostgresSchema.installedVersion(connection) == 0)
        #expect(throws: PostgresError.self) { try PostgresSchema.check(connection) }

        let first = try PostgresSchema.migrate(connection, node: "node-a", logger: Self.logger)
        #expect(first == PostgresSchema.Outcome(from: 0, to: PostgresSchema.version))
        #expect(try PostgresSchema.check(connection) == PostgresSchema.version)
        let again = try PostgresSchema.migrate(connection, node: "node-b", logger: Self.logger)
        #expect(again == PostgresSchema.Outcome(from: PostgresSchema.version, to: PostgresSchema.version))
        let applied = try connection.query(PostgresStatement("SELECT version, applied_by FROM schema_migrations"))
        #expect(applied.rows == [["1", "node-a"]])

        // The tables the store needs are there, the claim index among them.
        let tables = try connection.query(
            PostgresStatement(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1::text[])",
                ["{messages,attempts,dedup,receipts,outbox,customers,runs,run_timers,nodes,rate_leases}"]))
        #expect(tables.scalar == "10")
        let index = try connection.query(
            PostgresStatement("SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_ready'"))
        #expect(index.scalar?.contains("WHERE (state = 'queued'::text)") == true)
    }

    @Test func nodesStartingTogetherMigrateOnce() async throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        let url = try PostgresConnectionString(Secret(cluster.url(database: database)))
        let outcomes = try await withThrowingTaskGroup(of: PostgresSchema.Outcome.self) { group in
            for node in 0..<4 {
                group.addTask {
                    let connection = try PostgresConnection(url)
                    return try PostgresSchema.migrate(connection, node: "node-\(node)", logger: Self.logger)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        // Exactly one node found the database empty; the others found it done.
        #expect(outcomes.count { $0.from == 0 } == 1)
        #expect(outcomes.allSatisfy { $0.to == PostgresSchema.version })
        #expect(try cluster.psql("SELECT count(*) FROM schema_migrations", database: database) == "1")
    }

    @Test func aNewerSchemaIsRefusedAndLeftAlone() throws {
        let connection = try PostgresConnectionTests.connect()
        try PostgresSchema.migrate(connection, node: "node-a", logger: Self.logger)
        let newer = PostgresSchema.version + 1
        _ = try connection.query(
            PostgresStatement(
                "INSERT INTO schema_migrations (version, name, applied_by) VALUES ($1, 'from the future', 'node-z')",
                [String(newer)]))
        Self.expectNewer(newer) { try PostgresSchema.migrate(connection, node: "node-a", logger: Self.logger) }
        Self.expectNewer(newer) { try PostgresSchema.check(connection) }
        #expect(try connection.query(PostgresStatement("SELECT count(*) FROM schema_migrations")).scalar == "2")
    }

    static func expectNewer(_ newer: Int, _ body: () throws -> Any) {
        do {
            _ = try body()
            Issue.record("a newer schema was accepted")
        } catch {
            #expect("\(error)".hasPrefix("postgresql newer_schema: "))
            #expect("\(error)".contains("version \(newer), newer than this gatewayd's"))
        }
    }

    @Test func aFailedStepLeavesNothingBehind() throws {
        let connection = try PostgresConnectionTests.connect()
        // Another application's table in the way: version 1 fails on it and must not half-apply.
        try connection.execute("CREATE TABLE outbox (x int)")
        do {
            try PostgresSchema.migrate(connection, node: "node-a", logger: Self.logger)
            Issue.record("the migration ignored a table in its way")
        } catch {
            #expect(error.description.contains("schema version 1 (the gateway's tables) was not applied"))
            #expect(error.description.contains("\"outbox\" already exists"))
        }
        #expect(try PostgresSchema.installedVersion(connection) == 0)
        #expect(try connection.query(PostgresStatement("SELECT to_regclass('messages') IS NULL")).scalar == "t")
        // The lock was given back: another node can try.
        let locks = try connection.query(
            PostgresStatement("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"))
        #expect(locks.scalar == "0")
    }
}
