public import GatewayJSON

/// `nodes`: the gatewayd nodes sharing this node's store, as its last heartbeat saw them, so an operator can tell
/// which nodes serve a PostgreSQL store and whether one was taken for dead. The SQLite store is embedded in one
/// process: it answers the same shape with this host as the only node, so a script reads either backend alike.
public struct NodesAnswer: ControlAnswer, Hashable {
    /// The store backend answering: only `postgresql` is shared between nodes.
    public enum Store: String, Sendable, Hashable {
        case sqlite, postgresql
    }

    /// One node sharing the store.
    public struct Node: Sendable, Hashable {
        /// Its `store.node_name` (on SQLite, the host name).
        public var name: String
        /// RFC 3339 times (the gateway's own text), when the node started and last wrote its heartbeat.
        public var startedAt: String
        public var heartbeatAt: String
        /// Whether its heartbeat is within the lease: a node that is not is about to be taken for dead.
        public var live: Bool
        /// Whether its channel configuration differs from the answering node's (a reload not made everywhere).
        public var differentConfiguration: Bool
        /// Its messages sent and failed since it started, and the queued ones it holds (at its last heartbeat).
        public var sent: Int
        public var failed: Int
        public var queued: Int

        public init(
            name: String, startedAt: String, heartbeatAt: String, live: Bool, differentConfiguration: Bool,
            sent: Int = 0, failed: Int = 0, queued: Int = 0
        ) {
            self.name = name
            self.startedAt = startedAt
            self.heartbeatAt = heartbeatAt
            self.live = live
            self.differentConfiguration = differentConfiguration
            self.sent = sent
            self.failed = failed
            self.queued = queued
        }

        /// Reads a node; `nil` without its name, times or flags.
        public init?(json: JSONValue) {
            guard let name = json["name"]?.stringValue, let startedAt = json["started_at"]?.stringValue,
                let heartbeatAt = json["heartbeat_at"]?.stringValue, case .bool(let live)? = json["live"],
                case .bool(let differentConfiguration)? = json["different_configuration"]
            else { return nil }
            self.init(
                name: name, startedAt: startedAt, heartbeatAt: heartbeatAt, live: live,
                differentConfiguration: differentConfiguration, sent: json["sent"]?.intValue ?? 0,
                failed: json["failed"]?.intValue ?? 0, queued: json["queued"]?.intValue ?? 0)
        }

        func append(to line: inout String) {
            line += "{\"name\":"
            JSONValue.appendQuoted(name, to: &line)
            line += ",\"started_at\":"
            JSONValue.appendQuoted(startedAt, to: &line)
            line += ",\"heartbeat_at\":"
            JSONValue.appendQuoted(heartbeatAt, to: &line)
            line += ",\"live\":\(live),\"different_configuration\":\(differentConfiguration)"
            line += ",\"sent\":\(sent),\"failed\":\(failed),\"queued\":\(queued)}"
        }
    }

    /// What the answering node's heartbeat did to others and others to it, since it started.
    public struct Takeovers: Sendable, Hashable {
        /// Claims it released from nodes whose heartbeat stopped.
        public var released: Int
        /// Times other nodes took it for dead (its heartbeat stalled past the lease).
        public var takenForDead: Int

        public init(released: Int, takenForDead: Int) {
            self.released = released
            self.takenForDead = takenForDead
        }
    }

    public var store: Store
    /// The answering node's name.
    public var node: String
    /// By name, the answering node included.
    public var nodes: [Node]
    public var takeovers: Takeovers

    public init(store: Store, node: String, nodes: [Node], takeovers: Takeovers) {
        self.store = store
        self.node = node
        self.nodes = nodes
        self.takeovers = takeovers
    }

    /// Reads the answer; `nil` when a field is missing or a node is unreadable (none is dropped).
    public init?(json: JSONValue) {
        guard let store = json["store"]?.stringValue.flatMap(Store.init(rawValue:)),
            let node = json["node"]?.stringValue, case .array(let items)? = json["nodes"],
            let released = json["takeovers"]?["released"]?.intValue,
            let takenForDead = json["takeovers"]?["taken_for_dead"]?.intValue
        else { return nil }
        var nodes: [Node] = []
        for item in items {
            guard let row = Node(json: item) else { return nil }
            nodes.append(row)
        }
        self.init(
            store: store, node: node, nodes: nodes, takeovers: Takeovers(released: released, takenForDead: takenForDead)
        )
    }

    public func appendFields(to line: inout String) {
        line += ",\"store\":\"\(store.rawValue)\",\"node\":"
        JSONValue.appendQuoted(node, to: &line)
        line += ",\"nodes\":["
        for (offset, row) in nodes.enumerated() {
            if offset > 0 { line += "," }
            row.append(to: &line)
        }
        line += "],\"takeovers\":{\"released\":\(takeovers.released),\"taken_for_dead\":\(takeovers.takenForDead)}"
    }
}
