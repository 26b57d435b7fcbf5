import Foundation
import GatewayJSON
import PostgresTesting
import Testing

/// Strategy timers on several gatewayd nodes sharing one PostgreSQL: a run's timers fire once, on the node whose
/// commit wrote them, and a killed node's timers are fired by another after the lease. Real processes throughout:
/// the nodes, fakevendor, PostgreSQL.
@Suite(.serialized)
struct PostgresStrategyClusterTests {
    /// A wait, then one SMS: the wait is the timer the nodes must not both fire.
    static func greeting(wait: Int) -> String {
        """
        steps:
          - {id: pause, wait: \(wait)s}
          - id: hello
            send: {channel: sms, template: SMS_1, params: {code: "1"}}
        """
    }

    /// Two nodes with the greeting strategy, and `count` customers, each with a number of its own.
    static func cluster(customers count: Int, wait: Int = 2) throws -> (PostgresClusterTests.Nodes, String) {
        let strategies = NSTemporaryDirectory() + "cg-strategies-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: strategies, withIntermediateDirectories: true)
        try greeting(wait: wait).write(toFile: strategies + "/greeting.yaml", atomically: true, encoding: .utf8)
        let nodes = try PostgresClusterTests.Nodes(
            count: 2, channel: GatewayEndToEndTests.smsChannel(), extra: "strategies_dir: \(strategies)")
        let client = try ControlClient(path: nodes.socket(0))
        for index in 0..<count {
            let answer = client.request(
                #"{"op":"customer","customer":"C\#(index)","addresses":{"sms":"1390000\#(String(format: "%04d", index))"}}"#
            )
            #expect(answer?["state"] == .string("created"), "\(answer?.serialized ?? "no answer")")
        }
        return (nodes, strategies)
    }

    /// Enrols customers `range` on node `index`; how many were enrolled.
    static func enrol(_ nodes: PostgresClusterTests.Nodes, node index: Int, _ range: Range<Int>) throws -> Int {
        let client = try ControlClient(path: nodes.socket(index))
        var enrolled = 0
        for customer in range {
            let answer = client.request(#"{"op":"enrol","strategy":"greeting","customer":"C\#(customer)"}"#)
            if answer?["state"] == .string("enrolled") { enrolled += 1 }
        }
        return enrolled
    }

    @Test func eachRunsTimerFiresOnceAcrossTwoNodes() throws {
        let (nodes, strategies) = try Self.cluster(customers: 200)
        defer {
            nodes.stop()
            try? FileManager.default.removeItem(atPath: strategies)
        }
        #expect(nodes.waitForLiveNodes(2))
        #expect(try Self.enrol(nodes, node: 0, 0..<100) == 100)
        #expect(try Self.enrol(nodes, node: 1, 100..<200) == 100)
        // A customer in a run is refused on either node.
        let again = try ControlClient(path: nodes.socket(1)).request(
            #"{"op":"enrol","strategy":"greeting","customer":"C5","enrol_key":"another"}"#)
        #expect(again?["state"] == .string("refused"), "\(again?.serialized ?? "no answer")")

        let stats = try nodes.first.waitForVendor(unique: 200, timeout: 60)
        #expect(stats.unique == 200)
        #expect(stats.duplicates == 0)
        // The messages the runs queued are any node's to send: both sent, together each once.
        let perNode = (0..<2).map { nodes.stats($0)?["sent"]?.intValue ?? 0 }
        #expect(perNode.reduce(0, +) == 200 && perNode.allSatisfy { $0 > 0 }, "\(perNode)")
        let cluster = try PostgresCluster.shared
        #expect(
            try cluster.psql("SELECT count(*) FROM runs WHERE state = 'finished'", database: nodes.database) == "200")
        #expect(try cluster.psql("SELECT count(*) FROM run_timers", database: nodes.database) == "0")
        // Every run went through its wait and its send once.
        #expect(
            try cluster.psql(
                "SELECT count(*) FROM run_steps WHERE step = 'hello' AND outcome = 'sent'", database: nodes.database)
                == "200")
    }

    @Test func aKilledNodesTimersAreFiredByTheOtherAfterTheLease() throws {
        // A wait long enough that no timer falls due before the kill, even on a loaded machine.
        let (nodes, strategies) = try Self.cluster(customers: 50, wait: 10)
        defer {
            nodes.stop()
            try? FileManager.default.removeItem(atPath: strategies)
        }
        #expect(nodes.waitForLiveNodes(2))
        #expect(try Self.enrol(nodes, node: 0, 0..<50) == 50)
        // Killed inside the wait: none of its timers has fired.
        nodes.first.daemon?.stop(signal: SIGKILL)
        let killedAt = Date()
        #expect(try nodes.first.vendorStats().unique == 0)
        let stats = try nodes.first.waitForVendor(unique: 50, timeout: 60)
        #expect(stats.unique == 50)
        #expect(stats.duplicates == 0)
        #expect(Date().timeIntervalSince(killedAt) > 4, "the survivor waited for the lease before taking over")
        #expect(nodes.others[0].output.contains("took over from nodes whose heartbeat stopped"))
    }

    @Test func aNodeReloadedWithOtherStrategiesIsReportedAsDiffering() throws {
        let (nodes, strategies) = try Self.cluster(customers: 0)
        defer {
            nodes.stop()
            try? FileManager.default.removeItem(atPath: strategies)
        }
        #expect(nodes.waitForLiveNodes(2))
        func differs(_ name: String) -> Bool? {
            let answer = try? ControlClient(path: nodes.socket(0)).request(#"{"op":"nodes"}"#)
            guard case .array(let listed)? = answer?["nodes"] else { return nil }
            guard
                case .bool(let flag)? = listed.first(where: { $0["name"]?.stringValue == name })?[
                    "different_configuration"]
            else { return nil }
            return flag
        }
        #expect(differs("node-1") == false)
        // The file changes and only node 1 reloads it: node 0 sees a peer with another configuration.
        try Self.greeting(wait: 3).write(toFile: strategies + "/greeting.yaml", atomically: true, encoding: .utf8)
        let reloaded = try ControlClient(path: nodes.socket(1)).request(#"{"op":"reload"}"#)
        #expect(reloaded?["ok"] == .bool(true), "\(reloaded?.serialized ?? "no answer")")
        var seen: Bool?
        for _ in 0..<40 {
            seen = differs("node-1")
            if seen == true { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(seen == true, "node 0 never saw node 1's other strategies")
        #expect(nodes.first.daemon?.waitForOutput(containing: "nodes=node-1") == true)
    }
}
