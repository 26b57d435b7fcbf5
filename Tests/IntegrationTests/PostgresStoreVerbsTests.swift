import Foundation
import GatewayJSON
import PostgresTesting
import Testing

/// `store: {backend: postgresql}` from an operator's side, with real gatewayd processes and a real PostgreSQL:
/// `check-config` (no network), `check-config --connect`, `gatewayd migrate` (several at once), a newer schema,
/// a server that is not there (`run` itself: ``PostgresGatewayTests``).
@Suite struct PostgresStoreVerbsTests {
    /// A folder with a gateway.yaml whose store is `url`; no channels.
    struct Setup {
        let directory: String
        var config: String { directory + "/gateway.yaml" }

        init(url: String, extra: String = "") throws {
            directory = NSTemporaryDirectory() + "cg-pg-" + UUID().uuidString.prefix(8)
            try FileManager.default.createDirectory(
                atPath: directory + "/channels.d", withIntermediateDirectories: true)
            try """
            socket: \(directory)/gateway.sock
            state_dir: \(directory)/state
            listen: off
            store:
              backend: postgresql
              url: \(url)
              node_name: node-\(UUID().uuidString.prefix(4))
            \(extra)
            """.write(toFile: config, atomically: true, encoding: .utf8)
        }

        /// Runs `gatewayd ARGUMENTS --config …` to its end (bounded): its status and output.
        func gatewayd(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
            try OperatorCLITests.run(
                OperatorCLITests.gatewayd, arguments + ["--config", config], in: directory, environment: environment)
        }
    }

    @Test func checkConnectThenMigrateThenCheckAgain() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        let setup = try Setup(url: "'\(cluster.url(database: database))'")

        let (plain, plainOutput) = try setup.gatewayd(["check-config"])
        #expect(plain == 0, "\(plainOutput)")
        let (before, beforeOutput) = try setup.gatewayd(["check-config", "--connect"])
        #expect(before == 0, "\(beforeOutput)")
        #expect(
            beforeOutput.contains("store: postgresql host=\(cluster.directory) port=\(cluster.port) dbname=\(database)")
        )
        #expect(beforeOutput.contains("no gateway schema yet"), "\(beforeOutput)")

        let (migrated, migrateOutput) = try setup.gatewayd(["migrate"])
        #expect(migrated == 0, "\(migrateOutput)")
        #expect(migrateOutput.contains("schema version 0 -> 1"), "\(migrateOutput)")
        #expect(try cluster.psql("SELECT count(*) FROM messages", database: database) == "0")

        let (after, afterOutput) = try setup.gatewayd(["check-config", "--connect", "--json"])
        #expect(after == 0, "\(afterOutput)")
        let document = try JSONParser.parse(afterOutput.split(separator: "\n").last.map(String.init) ?? "")
        #expect(document["store"]?["schema_version"] == .number("1"), "\(afterOutput)")
        #expect(document["store"]?["ok"] == .bool(true))

        let (again, againOutput) = try setup.gatewayd(["migrate"])
        #expect(again == 0)
        #expect(againOutput.contains("schema version 1: already current"), "\(againOutput)")
    }

    @Test func threeNodesMigratingAtOnceApplyEachVersionOnce() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        let setups = try (0..<3).map { _ in try Setup(url: "'\(cluster.url(database: database))'") }
        let processes = try setups.map { setup in
            try ChildProcess(
                TestGateway.binaries + "/gatewayd", ["migrate", "--config", setup.config],
                outputPath: setup.directory + "/migrate.out")
        }
        let statuses = processes.map { $0.stop(signal: 0, timeout: 60) }
        let outputs = processes.map(\.output)
        #expect(statuses == [0, 0, 0], "\(outputs)")
        #expect(outputs.count { $0.contains("schema version 0 -> 1") } == 1, "\(outputs)")
        #expect(outputs.count { $0.contains("already current") } == 2, "\(outputs)")
        #expect(try cluster.psql("SELECT count(*) FROM schema_migrations", database: database) == "1")
    }

    @Test func aNewerSchemaStopsMigrateAndCheck() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        let setup = try Setup(url: "'\(cluster.url(database: database))'")
        #expect(try setup.gatewayd(["migrate"]).0 == 0)
        _ = try cluster.psql(
            "INSERT INTO schema_migrations (version, name, applied_by) VALUES (99, 'later', 'elsewhere')",
            database: database)
        let (migrate, migrateOutput) = try setup.gatewayd(["migrate"])
        #expect(migrate == 1)
        #expect(migrateOutput.contains("schema is version 99, newer than this gatewayd's 1"), "\(migrateOutput)")
        let (check, checkOutput) = try setup.gatewayd(["check-config", "--connect"])
        #expect(check == 1)
        #expect(checkOutput.contains("schema version 99 is newer than this gatewayd's 1"), "\(checkOutput)")
    }

    @Test func noServerThereFailsOnlyWhenAskedToConnectAndNeverShowsThePassword() throws {
        let cluster = try PostgresCluster.shared
        // A socket nobody listens on; the password must not reach the output.
        let setup = try Setup(url: "env:PG_URL")
        let environment = ["PG_URL": "postgresql://gateway:pa55word@/gw?host=\(cluster.directory)&port=1"]
        let (plain, plainOutput) = try setup.gatewayd(["check-config"], environment: environment)
        #expect(plain == 0, "\(plainOutput)")
        let (check, checkOutput) = try setup.gatewayd(["check-config", "--connect"], environment: environment)
        #expect(check == 1)
        #expect(
            checkOutput.contains("store: postgresql: postgresql connect_failed: cannot connect to"), "\(checkOutput)")
        let (migrate, migrateOutput) = try setup.gatewayd(["migrate"], environment: environment)
        #expect(migrate == 1)
        #expect(migrateOutput.contains("connect_failed"), "\(migrateOutput)")
        #expect(!(checkOutput + migrateOutput).contains("pa55word"))
    }

    /// PostgreSQL 15 no longer lets every role create tables in `public`: a role without CREATE gets the server's
    /// reason in one line, and nothing is half made.
    @Test func aRoleThatMayNotCreateTablesIsToldWhy() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        let role = "gw_" + UUID().uuidString.prefix(6).lowercased()
        _ = try cluster.psql("CREATE ROLE \(role) LOGIN")
        let url = "postgresql://\(role)@/\(database)?host=\(cluster.directory)&port=\(cluster.port)"
        let setup = try Setup(url: "'\(url)'")
        let (status, output) = try setup.gatewayd(["migrate"])
        #expect(status == 1)
        #expect(output.split(separator: "\n").count == 1, "\(output)")
        #expect(output.contains("cannot create schema_migrations in host="), "\(output)")
        #expect(output.contains("permission denied for schema public [SQLSTATE 42501]"), "\(output)")
        #expect(
            try cluster.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", database: database) == "0")
        // Granted CREATE, the same role migrates.
        _ = try cluster.psql("GRANT CREATE ON SCHEMA public TO \(role)", database: database)
        let (granted, grantedOutput) = try setup.gatewayd(["migrate"])
        #expect(granted == 0, "\(grantedOutput)")
    }

    @Test func migrateOnSqliteSaysWhyNot() throws {
        let directory = NSTemporaryDirectory() + "cg-pg-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory + "/channels.d", withIntermediateDirectories: true)
        try "state_dir: \(directory)/state\nlisten: off\n".write(
            toFile: directory + "/gateway.yaml", atomically: true, encoding: .utf8)
        let (status, output) = try OperatorCLITests.run(
            OperatorCLITests.gatewayd, ["migrate", "--config", directory + "/gateway.yaml"], in: directory)
        #expect(status == 1)
        #expect(output.contains("the store is sqlite"), "\(output)")
    }
}
