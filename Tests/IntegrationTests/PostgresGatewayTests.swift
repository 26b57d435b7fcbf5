import ChannelKit
import Foundation
import GatewayJSON
import PostgresTesting
import Testing

/// `gatewayd run` on `store: {backend: postgresql}`, one node: real gatewayd and fakevendor processes, a real
/// PostgreSQL, sends over the control socket (several nodes: ``PostgresClusterTests``).
@Suite(.serialized)
struct PostgresGatewayTests {
    /// A gateway whose store is a fresh database on the shared test cluster.
    static func gateway(database: String, perSecond: Int = 100_000, extra: String = "") throws -> TestGateway {
        let cluster = try PostgresCluster.shared
        return try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel(perSecond: perSecond)],
            gatewayExtra: """
                store:
                  backend: postgresql
                  url: '\(cluster.url(database: database))'
                  node_name: node-a
                \(extra)
                """)
    }

    @Test func sendsAreStoredInPostgresAndReachTheVendorOnce() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        let gateway = try Self.gateway(database: database)
        try gateway.startDaemon()
        defer { gateway.daemon?.stop() }
        let client = try ControlClient(path: gateway.socketPath)
        let acknowledged = GatewayEndToEndTests.sendMany(client, count: 5_000, tag: "pg")
        #expect(acknowledged.count == 5_000)
        let stats = try gateway.waitForVendor(unique: 5_000)
        #expect(stats.unique == 5_000)
        #expect(stats.duplicates == 0)
        // The rows are PostgreSQL's: every message sent, released, with its attempt; the SQLite file never made.
        let deadline = Date(timeIntervalSinceNow: 30)
        while try cluster.psql("SELECT count(*) FROM messages WHERE state = 'sent'", database: database) != "5000",
            Date() < deadline
        {
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(try cluster.psql("SELECT count(*) FROM messages WHERE state = 'sent'", database: database) == "5000")
        #expect(
            try cluster.psql("SELECT count(*) FROM messages WHERE claimed_by IS NOT NULL", database: database) == "0")
        #expect(try cluster.psql("SELECT count(*) FROM attempts", database: database) == "5000")
        #expect(!FileManager.default.fileExists(atPath: gateway.directory + "/state/gateway.sqlite3"))
        // A repeated dedup key is answered from PostgreSQL's unique index.
        let again = client.request(
            #"{"op":"send","channel":"sms","to":"13800000001","template":"SMS_1","params":{"code":"x"},"#
                + #""dedup_key":"pg-1"}"#)
        #expect(again?["state"] == .string("duplicate"), "\(String(describing: again))")
        #expect(again?["message_id"]?.stringValue.map { acknowledged[$0] != nil } == true)
        #expect(gateway.daemon?.stop() == 0)
    }

    @Test func aKilledDaemonsQueuedAndClaimedMessagesAreSentAfterItsRestart() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        // 200 a second: 1,000 messages take five seconds, so the kill finds most queued and a page claimed.
        let gateway = try Self.gateway(database: database, perSecond: 200)
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let acknowledged = GatewayEndToEndTests.sendMany(client, count: 1_000, tag: "k")
        #expect(acknowledged.count == 1_000)
        Thread.sleep(forTimeInterval: 1)
        _ = gateway.daemon?.stop(signal: SIGKILL)
        let before = try gateway.vendorStats().unique
        #expect(before < 1_000)
        #expect(
            try Int(cluster.psql("SELECT count(*) FROM messages WHERE claimed_by IS NOT NULL", database: database))
                ?? 0 > 0)
        try gateway.startDaemon()
        defer { gateway.daemon?.stop() }
        let stats = try gateway.waitForVendor(unique: 1_000, timeout: 60)
        #expect(stats.unique == 1_000)
        // Only transfers in flight at the kill can go twice (at most the channel's concurrency).
        #expect(stats.duplicates <= 32)
    }

    @Test func aDaemonRidesOutItsDatabaseSessionsBeingTerminated() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        let gateway = try Self.gateway(database: database)
        try gateway.startDaemon()
        defer { gateway.daemon?.stop() }
        let client = try ControlClient(path: gateway.socketPath)
        func send(_ key: String) -> JSONValue? {
            client.request(
                #"{"op":"send","channel":"sms","to":"13800000001","template":"SMS_1","params":{"code":"1"},"#
                    + #""dedup_key":"\#(key)"}"#)
        }
        #expect(send("before")?["state"] == .string("queued"))
        _ = try gateway.waitForVendor(unique: 1, timeout: 30)
        // What a database restart or failover does to the daemon's sessions.
        let terminated = try cluster.psql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE 'gatewayd node-a%'",
            database: database)
        #expect((Int(terminated) ?? 0) >= 4, "\(terminated)")
        // The send that meets the loss may fail (the client retries it with its key); the next ones are served.
        var accepted: JSONValue?
        for attempt in 0..<50 {
            accepted = send("after-\(attempt)")
            if accepted?["state"] == .string("queued") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(accepted?["state"] == .string("queued"), "\(String(describing: accepted))")
        #expect(try gateway.waitForVendor(unique: 2, timeout: 30).unique >= 2)
        // The node keeper's session (and the node name's lock) came back too.
        #expect(
            gateway.daemon?.waitForOutput(containing: "reconnected to the store; this node's name is held again")
                == true,
            "\(gateway.daemon?.output ?? "")")
        #expect(gateway.daemon?.stop() == 0)
    }

    @Test func customersAreUpsertedShownAndForgottenOnPostgres() throws {
        let cluster = try PostgresCluster.shared
        let database = try cluster.createDatabase()
        let gateway = try TestGateway(
            channels: ["loop": "type: loopback\n"],
            gatewayExtra: """
                store:
                  backend: postgresql
                  url: '\(cluster.url(database: database))'
                  node_name: node-a
                store_encryption_key: env:CG_TEST_STORE_KEY
                """)
        try gateway.startDaemon(environment: ["CG_TEST_STORE_KEY": CustomerOperationsTests.key])
        defer { gateway.daemon?.stop() }
        let subscriber = try ControlClient(path: gateway.socketPath)
        #expect(subscriber.request(#"{"op":"subscribe","kinds":["tag","forget"]}"#)?["subscribed"] == .bool(true))
        let client = try ControlClient(path: gateway.socketPath)
        let create = client.request(
            #"{"op":"customer","customer":"G-1","addresses":{"sms":"13511112222"},"attributes":{"name":"Li Lei"},"#
                + #""tags_add":["vip"]}"#)
        #expect(create?["state"]?.stringValue == "created", "\(String(describing: create))")
        let added = try JSONParser.parse(try #require(subscriber.readLine()))
        #expect(added["event"]?.stringValue == "tag" && added["customer"]?.stringValue == "G-1", "\(added)")
        _ = client.request(#"{"op":"optout","to":"13511112222"}"#)
        let show = try #require(client.request(#"{"op":"customer_show","customer":"G-1"}"#))
        #expect(show["ok"] == .bool(true), "\(show)")
        #expect(show["addresses"] == .object(["sms": .string("135****2222")]))
        #expect(show["attributes"] == .object(["name": .string("Li Lei")]) && show["tags"] == .array([.string("vip")]))
        #expect(try cluster.psql("SELECT count(*) FROM customers", database: database) == "1")
        // A message to the number without a customer id: only the sweep can find it.
        let plain = client.request(
            #"{"op":"send","channel":"loop","to":"+86 135 1111 2222","content":"code 1234","category":"transactional"}"#
        )
        let plainID = try #require(plain?["message_id"]?.stringValue, "\(String(describing: plain))")

        let forget = try ChildProcess(
            TestGateway.binaries + "/gatewayctl",
            ["--socket", gateway.socketPath, "customer", "forget", "G-1", "--reference", "PIPL-7", "--wait"],
            outputPath: gateway.directory + "/forget.out")
        #expect(forget.stop(signal: 0) == 0, "\(forget.output)")
        #expect(forget.output.contains("forgotten as f:"), "\(forget.output)")
        #expect(forget.output.contains("1 addresses") && forget.output.contains("sweep: done"), "\(forget.output)")
        let line = try JSONParser.parse(try #require(subscriber.readLine()))
        #expect(line["event"]?.stringValue == "forget" && line["reference"]?.stringValue == "PIPL-7", "\(line)")
        let status = try #require(client.request(#"{"op":"status","message_id":"\#(plainID)"}"#))
        #expect(status["message"]?["to"]?.stringValue == "", "the swept message keeps no recipient: \(status)")
        #expect(client.request(#"{"op":"customer_show","customer":"G-1"}"#)?["error"]?["code"] == .string("not_found"))
        #expect(try cluster.psql("SELECT count(*) FROM customers", database: database) == "0")
        #expect(
            try cluster.psql(
                "SELECT count(*) FROM consent_log WHERE action = 'erase' AND subject LIKE 'f:%'", database: database)
                == "1")
        // The same number, back without a customer id: still opted out.
        let again = client.request(
            #"{"op":"send","channel":"loop","to":"13511112222","content":"offer","category":"marketing"}"#)
        #expect(again?["state"]?.stringValue == "suppressed" && again?["reason"]?.stringValue == "opted_out")
        #expect(gateway.daemon?.stop() == 0)
    }

    @Test func noServerThereStopsTheStartInOneLine() throws {
        let setup = try PostgresStoreVerbsTests.Setup(url: "'postgresql://postgres@/gw?host=/nonexistent-dir&port=1'")
        let (status, output) = try setup.gatewayd(["run"])
        #expect(status == 1)
        #expect(output.split(separator: "\n").count == 1, "\(output)")
        #expect(output.contains("cannot connect to host=/nonexistent-dir port=1"), "\(output)")
        #expect(output.contains("Is the server running"), "\(output)")
    }
}
