import ChannelKit
import ControlProtocol
import Foundation
import GatewayPostgres

/// `nodes`: the nodes sharing the store as the last heartbeat saw them (PostgreSQL), or this host alone (SQLite,
/// embedded in this process). Read from memory, never from the database: it answers while the database is down.
enum NodesHandler {
    static func answer(id: JSONValue?, service: ControlService) -> String {
        let now = service.wallClock.nowMilliseconds
        guard let shared = service.store as? PostgresMessageStore else {
            // One node, alive as it answers: named as `store.node_name` would default, the host name.
            let host = String(ProcessInfo.processInfo.hostName.prefix { $0 != "." })
            let totals = service.dispatcher.snapshot().values
            let node = NodesAnswer.Node(
                name: host, startedAt: Timestamp.format(service.startedAt), heartbeatAt: Timestamp.format(now),
                live: true, differentConfiguration: false, sent: totals.reduce(0) { $0 + $1.sent },
                failed: totals.reduce(0) { $0 + $1.failed }, queued: totals.reduce(0) { $0 + $1.queued })
            return NodesAnswer(
                store: .sqlite, node: host, nodes: [node],
                takeovers: NodesAnswer.Takeovers(released: 0, takenForDead: 0)
            ).line(id: id)
        }
        let nodes = shared.nodes(now: now).map { info in
            NodesAnswer.Node(
                name: info.name, startedAt: Timestamp.format(info.startedAt),
                heartbeatAt: Timestamp.format(info.heartbeatAt), live: info.live,
                differentConfiguration: info.differentConfiguration, sent: info.sent, failed: info.failed,
                queued: info.queued)
        }
        let takeovers = shared.takeovers
        return NodesAnswer(
            store: .postgresql, node: shared.node, nodes: nodes.sorted { $0.name < $1.name },
            takeovers: NodesAnswer.Takeovers(released: takeovers.released, takenForDead: takeovers.takenForDead)
        ).line(id: id)
    }
}
