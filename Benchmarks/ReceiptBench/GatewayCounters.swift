import ControlProtocol
import GatewayClient
import GatewayJSON

/// The daemon's counters and per-channel report over one control-socket connection.
struct GatewayCounters {
    private let connection: SocketConnection

    init(socket: String) throws(ConnectionError) {
        connection = try SocketConnection(path: socket)
    }

    func stats() throws -> StatsAnswer {
        guard let reply = try connection.exchange(.stats), reply.ok, let stats = StatsAnswer(json: reply.value) else {
            throw BenchFailure("the daemon's stats answer is unreadable")
        }
        return stats
    }

    /// Messages accepted in the last day, by channel.
    func report() throws -> [String: ReportAnswer.Row] {
        guard let reply = try connection.exchange(.report(ReportRequest())), reply.ok,
            let report = ReportAnswer(json: reply.value)
        else {
            throw BenchFailure("the daemon's report answer is unreadable")
        }
        return Dictionary(report.channels.map { ($0.channel, $0) }, uniquingKeysWith: { first, _ in first })
    }
}
