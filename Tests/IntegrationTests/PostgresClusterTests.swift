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

        init(count: Int, channel: String, lease: String = "5s", extra: String = "") throws {
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
            try first.startDaemon()
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
                \(extra)
                """.write(toFile: directory + "/gateway.yaml", atomically: true, encoding: .utf8)
                let process = try ChildProcess(
                    TestGateway.binaries + "/gatewayd", ["run", "--config", directory + "/gateway.yaml"],
                    outputPath: directory + "/gatewayd.log")
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

    @Test func twoNodesShareFiftyThousandSendsAndEachReachesTheVendorOnce() throws {
        let nodes = try Nodes(count: 2, channel: GatewayEndToEndTests.smsChannel())
        defer { nodes.stop() }
        let sent = Mutex<[Int: Int]>([:])
        let group = DispatchGroup()
        for index in 0..<2 {
            let path = nodes.socket(index)
            group.enter()
            Thread {
                defer { group.leave() }
                guard let client = try? ControlClient(path: path) else { return }
                let acknowledged = GatewayEndToEndTests.sendMany(client, count: 25_000, tag: "n\(index)-")
                sent.withLock { $0[index] = acknowledged.count }
            }.start()
        }
        #expect(group.wait(timeout: .now() + 300) == .success)
        #expect(sent.withLock { $0 } == [0: 25_000, 1: 25_000])
        let stats = try nodes.first.waitForVendor(unique: 50_000, timeout: 180)
        #expect(stats.unique == 50_000)
        #expect(stats.duplicates == 0)
        // Both nodes sent: the queue is shared, not split by where a send arrived.
        let perNode = (0..<2).map { nodes.stats($0)?["sent"]?.intValue ?? 0 }
        #expect(perNode.reduce(0, +) == 50_000, "\(perNode)")
        #expect(perNode.allSatisfy { $0 > 0 }, "\(perNode)")
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
