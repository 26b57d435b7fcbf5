import Foundation
import GatewayJSON
import PostgresTesting
import Testing

/// `gatewayd store copy --from sqlite:… --to postgresql` with real processes: a SQLite installation with queued
/// messages, dedup keys, an opt-out, a customer and a pause moves into an empty PostgreSQL store, whose first
/// `gatewayd run` sends the messages; never while its daemon runs, and never into a store that holds anything.
@Suite struct StoreCopyTests {
    /// A SQLite gateway whose `loop` instance is paused, holding `count` queued sends with dedup keys, a customer
    /// and a standing opt-out; its daemon still running.
    static func installation(count: Int) throws -> TestGateway {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        #expect(client.request(#"{"op":"pause","channel":"loop"}"#)?["paused"] == .bool(true))
        for index in 0..<count {
            let answer = client.request(
                #"{"op":"send","channel":"loop","to":"u\#(index)","content":"hi \#(index)","dedup_key":"k-\#(index)"}"#)
            #expect(answer?["state"] == .string("queued"), "\(String(describing: answer))")
        }
        _ = client.request(
            #"{"op":"customer","customer":"CUST-1","addresses":{"sms":"13712345678"},"tags_add":["vip"]}"#)
        _ = client.request(#"{"op":"optout","customer":"CUST-1","channel":"sms"}"#)
        return gateway
    }

    /// A gateway.yaml beside the installation's, on PostgreSQL.
    static func postgresConfig(_ gateway: TestGateway, url: String) throws -> String {
        let path = gateway.directory + "/gateway-pg.yaml"
        try """
        socket: \(gateway.directory)/pg.sock
        state_dir: \(gateway.directory)/pg-state
        channels_dir: \(gateway.directory)/channels.d
        listen: off
        store: {backend: postgresql, url: '\(url)'}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func copy(_ gateway: TestGateway, config: String, from: String? = nil) throws -> (Int32, String) {
        try OperatorCLITests.run(
            OperatorCLITests.gatewayd,
            [
                "store", "copy", "--from", "sqlite:" + (from ?? gateway.directory + "/state"), "--to", "postgresql",
                "--config", config,
            ], in: gateway.directory)
    }

    @Test func aStoppedInstallationMovesOverAndOnlyOnce() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        let gateway = try Self.installation(count: 30)
        let config = try Self.postgresConfig(gateway, url: cluster.url(database: database))

        // While its daemon runs, the store is not copied.
        let (busy, busyOutput) = try Self.copy(gateway, config: config)
        #expect(busy == 1)
        #expect(busyOutput.contains("another gatewayd (pid \(gateway.daemon?.pid ?? -1))"), "\(busyOutput)")
        #expect(try cluster.psql("SELECT to_regclass('messages') IS NULL", database: database) == "t")

        _ = gateway.daemon?.stop()
        let (status, output) = try Self.copy(gateway, config: config)
        #expect(status == 0, "\(output)")
        #expect(output.contains("store copy: messages: 30 rows"), "\(output)")
        #expect(output.contains("messages 30, tracked_links 0, dedup 30, consent_log 1, consent_state 1"), "\(output)")
        func count(_ sql: String) throws -> String { try cluster.psql(sql, database: database) }
        #expect(try count("SELECT count(*) FROM messages WHERE state = 'queued' AND claimed_by IS NULL") == "30")
        #expect(try count("SELECT count(DISTINCT content) FROM messages") == "30")
        #expect(try count("SELECT count(*) FROM dedup d JOIN messages m ON m.id = d.message_id") == "30")
        #expect(try count("SELECT count(*) FROM customers c JOIN customer_tags t USING (cn)") == "1")
        #expect(try count("SELECT paused FROM instance_controls WHERE channel = 'loop'") == "1")
        // Numbers carried over, and the next ones are fresh.
        let highest = try count("SELECT max(seq) FROM messages")
        #expect(try count("SELECT nextval(pg_get_serial_sequence('messages', 'seq')) > \(highest)") == "t")

        // The destination now holds messages: a second copy is refused and changes nothing.
        let (again, againOutput) = try Self.copy(gateway, config: config)
        #expect(again == 1)
        #expect(againOutput.contains("already holds messages; copy only into an empty store"), "\(againOutput)")
        #expect(try count("SELECT count(*) FROM messages") == "30")

        // A start on PostgreSQL keeps the pause it moved over, and sends the copied messages, each once, on resume.
        let node = try ChildProcess(
            TestGateway.binaries + "/gatewayd", ["run", "--config", config],
            outputPath: gateway.directory + "/pg-run.log")
        defer { node.stop() }
        #expect(node.waitForOutput(containing: "gateway ready"), "\(node.output)")
        #expect(node.output.contains("resumed_messages=30"), "\(node.output)")
        let client = try ControlClient(path: gateway.directory + "/pg.sock")
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try count("SELECT count(*) FROM messages WHERE state = 'queued'") == "30")
        #expect(client.request(#"{"op":"resume","channel":"loop"}"#)?["ok"] == .bool(true))
        for _ in 0..<200 where try count("SELECT count(*) FROM messages WHERE state <> 'queued'") != "30" {
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(try count("SELECT count(*) FROM messages WHERE state <> 'queued'") == "30")
        #expect(try count("SELECT count(*) FROM attempts") == "30")
        #expect(node.stop() == 0)
    }

    @Test func aMissingSourceIsAClearErrorAndCreatesNothing() throws {
        let cluster = try PostgresCluster.shared
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        let config = try Self.postgresConfig(gateway, url: cluster.url(database: try cluster.createDatabase()))
        let missing = gateway.directory + "/no-such-state"
        let (status, output) = try Self.copy(gateway, config: config, from: missing)
        #expect(status == 1)
        #expect(output.contains("\(missing) does not exist"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }
}

/// `store copy` of an installation with strategy runs: a run parked on its wait moves over with its timer, and
/// the first start on PostgreSQL fires it once.
@Suite struct StoreCopyRunsTests {
    @Test func aWaitingRunMovesOverAndFiresOnPostgresql() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        // SMS only: `store copy` loads the configuration, and the other channels' secrets come from the environment.
        let fixture = try StrategyFixtures(
            strategies: [
                "later": """
                steps:
                  - {id: pause, wait: 3s}
                  - id: hello
                    send: {channel: sms-main, content: "moved over"}
                """
            ], extra: "", channels: ["sms-main": StrategyFixtures.sms])
        try fixture.start()
        fixture.customer("M", sms: "13800138009")
        #expect(fixture.enrol("later", "M")?["state"] == .string("enrolled"))
        _ = fixture.gateway.daemon?.stop()
        let gateway = fixture.gateway
        let config = try StoreCopyTests.postgresConfig(gateway, url: cluster.url(database: database))
        try (String(contentsOfFile: config, encoding: .utf8) + "\nstrategies_dir: \(fixture.strategiesDirectory)\n")
            .write(toFile: config, atomically: true, encoding: .utf8)
        let (status, output) = try StoreCopyTests.copy(gateway, config: config)
        #expect(status == 0, "\(output)")
        #expect(output.contains("runs 1, run_timers 1"), "\(output)")
        #expect(try cluster.psql("SELECT state || ' ' || step FROM runs", database: database) == "waiting hello")
        #expect(fixture.smsBodies(to: "13800138009").isEmpty)

        let node = try ChildProcess(
            TestGateway.binaries + "/gatewayd", ["run", "--config", config],
            outputPath: gateway.directory + "/pg-run.log")
        defer { node.stop() }
        #expect(node.waitForOutput(containing: "gateway ready"), "\(node.output)")
        #expect(fixture.waitUntil(15) { fixture.smsBodies(to: "13800138009").count == 1 }, "\(node.output)")
        #expect(
            fixture.waitUntil(5) {
                (try? cluster.psql("SELECT state FROM runs", database: database)) == "finished"
            })
        #expect(fixture.smsBodies(to: "13800138009").count == 1)
        #expect(node.stop() == 0)
    }
}
