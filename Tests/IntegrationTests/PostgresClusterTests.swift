import Foundation
import GatewayJSON
import PostgresTesting
import Synchronization
import Testing

/// Several gatewayd nodes on one PostgreSQL database, one fakevendor: real processes throughout (issue 16).
@Suite(.serialized)
struct PostgresClusterTests {
    /// A cluster of nodes: the first is a ``TestGateway`` (it owns the vendor stub), the others share its channel
    /// files, vendor and database, each with its own socket, state directory and node name.
    final class Nodes {
        let first: TestGateway
        let database: String
        private(set) var others: [ChildProcess] = []
        private(set) var otherDirectories: [String] = []

        init(
            count: Int, channel: String, lease: String = "5s", extra: String = "", environment: [String: String] = [:]
        ) throws {
            let cluster = try PostgresCluster.shared
            database = try cluster.createDatabase()
            let store = """
                store:
                  backend: postgresql
                  url: '\(cluster.url(database: database))'
                  lease: \(lease)
                """
            first = try TestGateway(
                channels: ["sms": channel], gatewayExtra: store + "\n  node_name: node-0\n" + extra)
            try first.fixVendorBase()
            try first.startDaemon(environment: environment)
            for index in 1..<count {
                let directory = first.directory + "/node-\(index)"
                try FileManager.default.createDirectory(
                    atPath: directory + "/channels.d", withIntermediateDirectories: true)
                try FileManager.default.copyItem(
                    atPath: first.directory + "/channels.d/sms.yaml", toPath: directory + "/channels.d/sms.yaml")
                try """
                socket: \(directory)/gateway.sock
                state_dir: \(directory)/state
                drain_timeout: 10s
                listen: 127.0.0.1:0
                \(store)
                  node_name: node-\(index)
                \(extra.replacingOccurrences(of: "VENDOR_BASE", with: "http://127.0.0.1:\(first.vendorPort)"))
                """.write(toFile: directory + "/gateway.yaml", atomically: true, encoding: .utf8)
                let process = try ChildProcess(
                    TestGateway.binaries + "/gatewayd", ["run", "--config", directory + "/gateway.yaml"],
                    outputPath: directory + "/gatewayd.log", environment: environment)
                guard process.waitForOutput(containing: "gateway ready") else {
                    throw TestFailure("node \(index) did not start: \(process.output)")
                }
                others.append(process)
                otherDirectories.append(directory)
            }
        }

        /// The control socket of node `index` (0 is the first).
        func socket(_ index: Int) -> String {
            index == 0 ? first.socketPath : otherDirectories[index - 1] + "/gateway.sock"
        }

        /// The callback listener's port of node `index`, from its log.
        func callbackPort(_ index: Int) -> Int? {
            guard index > 0 else { return first.callbackPort }
            let lines = others[index - 1].output.split(separator: "\n")
            guard let line = lines.last(where: { $0.contains("callback listener listening") }),
                let marker = line.range(of: "127.0.0.1:")
            else { return nil }
            return Int(line[marker.upperBound...].prefix { $0.isNumber })
        }

        /// Waits until every node counts `count` live nodes (each logs it when the number changes).
        func waitForLiveNodes(_ count: Int) -> Bool {
            let marker = "live=\(count)"
            return first.daemon?.waitForOutput(containing: marker) == true
                && others.allSatisfy { $0.waitForOutput(containing: marker) }
        }

        /// `stats` of node `index`.
        func stats(_ index: Int) -> JSONValue? {
            (try? ControlClient(path: socket(index)))?.request(#"{"op":"stats"}"#)?["stats"]
        }

        func stop() {
            for process in others { process.stop() }
            first.daemon?.stop()
        }
    }

    @Test(arguments: [2, 3])
    func nodesShareFiftyThousandSendsAndEachReachesTheVendorOnce(count: Int) throws {
        let nodes = try Nodes(count: count, channel: GatewayEndToEndTests.smsChannel())
        defer { nodes.stop() }
        let shares = (0..<count).map { 50_000 / count + ($0 < 50_000 % count ? 1 : 0) }
        let sent = Mutex<[Int: Int]>([:])
        let group = DispatchGroup()
        for index in 0..<count {
            let path = nodes.socket(index)
            group.enter()
            Thread {
                defer { group.leave() }
                guard let client = try? ControlClient(path: path) else { return }
                let acknowledged = GatewayEndToEndTests.sendMany(client, count: shares[index], tag: "n\(index)-")
                sent.withLock { $0[index] = acknowledged.count }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 300) == .success)
        #expect(sent.withLock { $0 } == Dictionary(uniqueKeysWithValues: shares.enumerated().map { ($0, $1) }))
        let stats = try nodes.first.waitForVendor(unique: 50_000, timeout: 180)
        #expect(stats.unique == 50_000)
        #expect(stats.duplicates == 0)
        // Every node sent, and together exactly the sends.
        let perNode = (0..<count).map { nodes.stats($0)?["sent"]?.intValue ?? 0 }
        #expect(perNode.reduce(0, +) == 50_000, "\(perNode)")
        #expect(perNode.allSatisfy { $0 > 0 }, "\(perNode)")
        // Any node shows the cluster's totals, from the nodes' heartbeats (each at most a second old).
        var cluster: JSONValue?
        for _ in 0..<60 {
            cluster = nodes.stats(count - 1)
            if cluster?["cluster_sent"]?.intValue == 50_000 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(cluster?["cluster_sent"]?.intValue == 50_000, "\(cluster?.serialized ?? "no stats")")
        #expect(cluster?["cluster_nodes"]?.intValue == count && cluster?["cluster_queued"]?.intValue == 0)
        // The same node: its `nodes` reads the heartbeat its `stats` summed (or a later one).
        let listed = try ControlClient(path: nodes.socket(count - 1)).request(#"{"op":"nodes"}"#)
        guard case .array(let rows)? = listed?["nodes"] else {
            Issue.record("no nodes: \(listed?.serialized ?? "")")
            return
        }
        #expect(rows.map { $0["sent"]?.intValue ?? 0 }.reduce(0, +) == 50_000, "\(rows)")
    }

    @Test func whatTheAcceptingNodeCannotHoldIsSentByTheOther() throws {
        // 400 a second for the cluster, 200 per node. Node 0 takes all 3,000 sends: its lane holds 2,048, the rest
        // goes back to the store, and node 1, which accepted nothing, sends it.
        let nodes = try Nodes(count: 2, channel: GatewayEndToEndTests.smsChannel(perSecond: 400))
        defer { nodes.stop() }
        #expect(nodes.waitForLiveNodes(2))
        let client = try ControlClient(path: nodes.socket(0))
        #expect(GatewayEndToEndTests.sendMany(client, count: 3_000, tag: "o").count == 3_000)
        let stats = try nodes.first.waitForVendor(unique: 3_000, timeout: 60)
        #expect(stats.unique == 3_000)
        #expect(stats.duplicates == 0)
        let perNode = (0..<2).map { nodes.stats($0)?["sent"]?.intValue ?? 0 }
        #expect(perNode[1] > 0, "\(perNode)")
        #expect(perNode.reduce(0, +) == 3_000, "\(perNode)")
        // Each node counts as queued what it holds: nothing now (not what it accepted, nor minus what it paged).
        #expect((0..<2).map { nodes.stats($0)?["queued"]?.intValue } == [0, 0])
    }

    @Test func aKilledNodesMessagesAreFinishedByTheOtherAfterTheLease() throws {
        // 400 a second for the cluster: 3,000 messages take about eight seconds.
        let nodes = try Nodes(count: 2, channel: GatewayEndToEndTests.smsChannel(perSecond: 400))
        defer { nodes.stop() }
        #expect(nodes.waitForLiveNodes(2))
        let client = try ControlClient(path: nodes.socket(0))
        #expect(GatewayEndToEndTests.sendMany(client, count: 3_000, tag: "k").count == 3_000)
        Thread.sleep(forTimeInterval: 1.5)
        nodes.first.daemon?.stop(signal: SIGKILL)
        let killedAt = Date()
        #expect(try nodes.first.vendorStats().unique < 3_000)
        let stats = try nodes.first.waitForVendor(unique: 3_000, timeout: 90)
        #expect(stats.unique == 3_000)
        // Only transfers with the vendor at the kill may go twice.
        #expect(stats.duplicates <= 32, "\(stats)")
        #expect(Date().timeIntervalSince(killedAt) > 4, "the survivor waited for the lease before taking over")
        #expect(nodes.others[0].output.contains("took over from nodes whose heartbeat stopped"))
        #expect(nodes.others[0].output.contains("nodes=node-0"))
    }

    /// A message the other node has paged in, cancelled on this one, never reaches the vendor: the other node
    /// hears of the cancel as it commits and drops it, and stops counting it queued.
    @Test func aCancelOnOneNodeStopsAMessageTheOtherHolds() throws {
        // 20 a second: the 100 sends take five seconds, so the accepting node holds most of them for a while.
        let nodes = try Nodes(count: 2, channel: GatewayEndToEndTests.smsChannel(perSecond: 20))
        defer { nodes.stop() }
        #expect(nodes.waitForLiveNodes(2))
        let holder = try ControlClient(path: nodes.socket(1))
        let sent = GatewayEndToEndTests.sendMany(holder, count: 100, tag: "c")
        #expect(sent.count == 100)
        // The last ten sent, by the codes the test gave them.
        let last = Set(sent.filter { (Int($0.value.1.dropFirst()) ?? 0) >= 90 }.keys)
        #expect(last.count == 10)
        let canceller = try ControlClient(path: nodes.socket(0))
        for id in last {
            let answer = canceller.request(#"{"op":"cancel","message_id":"\#(id)"}"#)
            #expect(answer?["state"]?.stringValue == "cancelled", "\(String(describing: answer))")
        }
        let stats = try nodes.first.waitForVendor(unique: 90, timeout: 30)
        #expect(stats.unique == 90)
        Thread.sleep(forTimeInterval: 1.5)  // 30 more at the rate, had the holder kept them
        #expect(try nodes.first.vendorStats().unique == 90, "a cancelled message reached the vendor")
        #expect(nodes.stats(1)?["queued"]?.intValue == 0, "\(String(describing: nodes.stats(1)))")
    }

    @Test func theConfiguredRateHoldsForTheWholeCluster() throws {
        // 100 a second with a burst of 10, configured once and shared: 1,000 messages over two nodes take ten
        // seconds (five if each node sent the whole rate).
        let nodes = try Nodes(
            count: 2,
            channel: GatewayEndToEndTests.smsChannel(perSecond: 100).replacingOccurrences(
                of: "burst: 100", with: "burst: 10"))
        defer { nodes.stop() }
        #expect(nodes.waitForLiveNodes(2))
        let started = Date()
        let group = DispatchGroup()
        for index in 0..<2 {
            let path = nodes.socket(index)
            group.enter()
            Thread {
                defer { group.leave() }
                if let client = try? ControlClient(path: path) {
                    _ = GatewayEndToEndTests.sendMany(client, count: 500, tag: "r\(index)-")
                }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        let stats = try nodes.first.waitForVendor(unique: 1_000, timeout: 60)
        let elapsed = Date().timeIntervalSince(started)
        #expect(stats.unique == 1_000)
        // (1,000 - bursts) / 100 per second, with room for the last poll.
        #expect(elapsed > 9.3, "\(elapsed) s: faster than the configured rate")
        #expect(elapsed < 14, "\(elapsed) s")
    }

    @Test func aCapIsExactWithClientsOnTwoNodes() throws {
        let nodes = try Nodes(
            count: 2, channel: GatewayEndToEndTests.smsChannel(),
            extra: """
                frequency_caps:
                  marketing:
                    - { name: weekly-3, max: 3, per: 7d }
                """)
        defer { nodes.stop() }
        let states = Mutex<[String]>([])
        let group = DispatchGroup()
        for client in 0..<10 {
            let path = nodes.socket(client % 2)
            group.enter()
            Thread {
                defer { group.leave() }
                guard let connection = try? ControlClient(path: path) else { return }
                for index in 0..<5 {
                    let answer = PolicyEndToEndTests.send(
                        connection, category: "marketing", to: "1390000\(String(format: "%04d", client * 10 + index))",
                        customer: "CUST-42", key: "blast-\(client)-\(index)")
                    states.withLock { $0.append(answer?["state"]?.stringValue ?? "error") }
                }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 60) == .success)
        let seen = states.withLock { $0 }
        #expect(seen.count == 50)
        #expect(seen.filter { $0 == "queued" }.count == 3, "\(seen)")
        #expect(seen.filter { $0 == "suppressed" }.count == 47, "\(seen)")
        #expect(try nodes.first.waitForVendor(unique: 3, timeout: 30).unique == 3)
    }

    @Test func eachChangeReachesTheWebhookOnceWhicheverNodeMadeIt() throws {
        let nodes = try Nodes(
            count: 2, channel: GatewayEndToEndTests.smsChannel(),
            extra: WebhookTests.gatewayExtra(path: "/webhook-flaky"),
            environment: ["CRM_SECRET": WebhookTests.secret])
        defer { nodes.stop() }
        var expected: Set<String> = []
        for index in 0..<2 {
            let ids = try WebhookTests.send(try ControlClient(path: nodes.socket(index)), count: 20, tag: "w\(index)-")
            for id in ids { expected.formUnion(["\(id) queued", "\(id) sent"]) }
        }
        let seen = try WebhookTests.waitFor(nodes.first, expected)
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted().prefix(5))")
        Thread.sleep(forTimeInterval: 1.5)  // a second deliverer would have posted by now
        let events = try WebhookTests.delivered(nodes.first)
        #expect(events.count == Set(events).count, "delivered twice: \(events.count - Set(events).count)")
        // Both nodes run a sender; one of them delivers, and only it meets the CRM's early failures.
        let delivered = (0..<2).map { nodes.stats($0)?["webhook_delivered"]?.intValue ?? -1 }
        let failures = (0..<2).map { nodes.stats($0)?["webhook_failures"]?.intValue ?? -1 }
        #expect(delivered.filter { $0 > 0 }.count == 1, "\(delivered)")
        #expect(failures.filter { $0 > 0 }.count == 1, "\(failures)")
        #expect(zip(delivered, failures).allSatisfy { ($0 > 0) == ($1 > 0) }, "\(delivered) \(failures)")
    }

    @Test func aReceiptPostedToTheNodeThatDidNotSendIsMatched() throws {
        let nodes = try Nodes(
            count: 2, channel: ReceiptEndToEndTests.aliyun,
            environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        defer { nodes.stop() }
        let client = try ControlClient(path: nodes.socket(0))
        let answer = client.request(
            #"{"op":"send","channel":"sms","to":"13800138000","template":"SMS_1","params":{"code":"1"}}"#)
        let id = try #require(answer?["message_id"]?.stringValue)
        _ = try nodes.first.waitForVendor(unique: 1, timeout: 30)
        let status = #"{"op":"status","message_id":"\#(id)"}"#
        for _ in 0..<100 where client.request(status)?["message"]?["state"]?.stringValue != "sent" {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let placed = try #require(ReceiptEndToEndTests.placed(nodes.first).values.first)
        // Alibaba's SmsReport push (vendors.md 2.1.6), to the listener of the node that did not send.
        let report =
            "["
            + ReceiptEndToEndTests.report(
                phone: "13800138000", bizID: placed.bizID, outID: placed.outID, success: true, code: "DELIVERED") + "]"
        let port = try #require(nodes.callbackPort(1))
        let posted = try TestGateway.httpPost(port: port, path: "/callbacks/sms", body: report)
        #expect(posted.status == 200, "\(posted)")
        let after = try ControlClient(path: nodes.socket(1)).request(status)?["message"]
        #expect(after?["state"] == .string("delivered"), "\(String(describing: after))")
    }

    @Test func aPauseOnOneNodeHoldsTheInstanceOnEveryNode() throws {
        let nodes = try Nodes(count: 2, channel: GatewayEndToEndTests.smsChannel())
        defer { nodes.stop() }
        #expect(nodes.waitForLiveNodes(2))
        let (zero, one) = (try ControlClient(path: nodes.socket(0)), try ControlClient(path: nodes.socket(1)))
        func paused(_ client: ControlClient) -> JSONValue? { OperatorControlTests.channel(client, "sms")?["paused"] }
        #expect(zero.request(#"{"op":"pause","channel":"sms"}"#)?["paused"] == .bool(true))
        for _ in 0..<60 where paused(one) != .bool(true) { Thread.sleep(forTimeInterval: 0.05) }
        #expect(paused(one) == .bool(true))
        // Sends to the other node wait.
        #expect(GatewayEndToEndTests.sendMany(one, count: 20, tag: "held").count == 20)
        Thread.sleep(forTimeInterval: 1)
        #expect(try nodes.first.vendorStats().received == 0)
        // A resume on that node frees the instance everywhere.
        #expect(one.request(#"{"op":"resume","channel":"sms"}"#)?["paused"] == .bool(false))
        #expect(try nodes.first.waitForVendor(unique: 20, timeout: 30).unique == 20)
        for _ in 0..<60 where paused(zero) != .bool(false) { Thread.sleep(forTimeInterval: 0.05) }
        #expect(paused(zero) == .bool(false))
    }

    @Test func aSecondProcessWithTheSameNodeNameIsRefused() throws {
        let nodes = try Nodes(count: 1, channel: GatewayEndToEndTests.smsChannel())
        defer { nodes.stop() }
        let directory = nodes.first.directory + "/twin"
        try FileManager.default.createDirectory(atPath: directory + "/channels.d", withIntermediateDirectories: true)
        let yaml = try String(contentsOfFile: nodes.first.directory + "/gateway.yaml", encoding: .utf8)
            .replacingOccurrences(of: nodes.first.directory + "/gateway.sock", with: directory + "/gateway.sock")
            .replacingOccurrences(of: nodes.first.directory + "/state", with: directory + "/state")
        try yaml.write(toFile: directory + "/gateway.yaml", atomically: true, encoding: .utf8)
        let (status, output) = try OperatorCLITests.run(
            OperatorCLITests.gatewayd, ["run", "--config", directory + "/gateway.yaml"], in: directory)
        #expect(status == 1)
        #expect(output.contains("another gatewayd runs as node 'node-0'"), "\(output)")
    }
}
