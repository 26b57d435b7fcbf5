import Foundation
import GatewayJSON
import Testing

/// `gatewayctl nodes` as an operator runs it, against real daemons: on SQLite the one embedded node, on
/// PostgreSQL the nodes sharing the database, and a node stopped cleanly leaving the list.
@Suite(.serialized)
struct NodesCommandTests {
    /// `gatewayctl --json nodes` against `socket`: its exit status, output and the answer when it parses.
    static func nodes(socket: String, in directory: String) throws -> (status: Int32, output: String, json: JSONValue?)
    {
        let (status, output) = try OperatorCLITests.run(
            OperatorCLITests.gatewayctl, ["--socket", socket, "--json", "nodes"], in: directory)
        let line = output.split(separator: "\n").first.map(String.init) ?? ""
        return (status, output, try? JSONParser.parse(line))
    }

    /// The names of the nodes listed, in order.
    static func names(_ answer: JSONValue?) -> [String] {
        guard case .array(let nodes)? = answer?["nodes"] else { return [] }
        return nodes.compactMap { $0["name"]?.stringValue }
    }

    @Test func onSQLiteThisHostIsTheOnlyNode() throws {
        let gateway = try TestGateway(channels: ["loop": "type: loopback\n"])
        try gateway.startDaemon()
        let (status, output) = try OperatorCLITests.run(
            OperatorCLITests.gatewayctl, ["--socket", gateway.socketPath, "nodes"], in: gateway.directory)
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("NAME"), "\(output)")
        #expect(output.contains("store: sqlite"), "\(output)")

        let json = try Self.nodes(socket: gateway.socketPath, in: gateway.directory)
        #expect(json.status == 0, "\(json.output)")
        let answer = try #require(json.json, "\(json.output)")
        #expect(answer["ok"] == .bool(true) && answer["store"]?.stringValue == "sqlite")
        let host = String(ProcessInfo.processInfo.hostName.prefix { $0 != "." })
        #expect(answer["node"]?.stringValue == host)
        #expect(Self.names(answer) == [host])
        guard case .array(let listed)? = answer["nodes"], let node = listed.first else {
            Issue.record("no nodes: \(json.output)")
            return
        }
        #expect(node["live"] == .bool(true) && node["different_configuration"] == .bool(false))
        #expect(node["started_at"]?.stringValue?.hasSuffix("Z") == true)
        #expect(answer["takeovers"]?["released"]?.intValue == 0)
        #expect(answer["takeovers"]?["taken_for_dead"]?.intValue == 0)
    }

    @Test func onPostgreSQLBothNodesAreListedUntilOneStopsCleanly() throws {
        let nodes = try PostgresClusterTests.Nodes(count: 2, channel: GatewayEndToEndTests.smsChannel())
        defer { nodes.stop() }
        #expect(nodes.waitForLiveNodes(2))
        let directory = nodes.first.directory

        let json = try Self.nodes(socket: nodes.socket(0), in: directory)
        #expect(json.status == 0, "\(json.output)")
        let answer = try #require(json.json, "\(json.output)")
        #expect(answer["store"]?.stringValue == "postgresql" && answer["node"]?.stringValue == "node-0")
        #expect(Self.names(answer) == ["node-0", "node-1"], "\(json.output)")
        guard case .array(let listed)? = answer["nodes"] else {
            Issue.record("no nodes: \(json.output)")
            return
        }
        for node in listed {
            #expect(node["live"] == .bool(true), "\(node)")
            #expect(node["different_configuration"] == .bool(false), "\(node)")
        }
        #expect(answer["takeovers"]?["taken_for_dead"]?.intValue == 0)

        let (status, table) = try OperatorCLITests.run(
            OperatorCLITests.gatewayctl, ["--socket", nodes.socket(0), "nodes"], in: directory)
        #expect(status == 0, "\(table)")
        #expect(table.contains("node-0 *") && table.contains("node-1"), "\(table)")
        #expect(table.contains("store: postgresql") && table.contains("SENT"), "\(table)")

        // A clean stop removes the node's row: node 0 drops it at its next heartbeat, not after the lease (5 s).
        #expect(nodes.others[0].stop() == 0)
        let stopped = Date()
        var remaining: [String] = []
        while Date().timeIntervalSince(stopped) < 4 {
            remaining = Self.names(try Self.nodes(socket: nodes.socket(0), in: directory).json)
            if remaining == ["node-0"] { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(remaining == ["node-0"], "after \(Date().timeIntervalSince(stopped)) s")
    }
}
