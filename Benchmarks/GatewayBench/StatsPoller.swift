import ControlProtocol
import GatewayClient
import GatewayJSON

/// Asks the daemon for its `stats` over its own connection.
struct StatsPoller {
    /// The counters the benchmark watches.
    struct Counters {
        let sent: Int
        let failed: Int
    }

    private let connection: SocketConnection

    init(path: String) throws(ConnectionError) {
        connection = try SocketConnection(path: path)
    }

    /// One stats round trip.
    func poll() throws(ConnectionError) -> Counters {
        try connection.send(.stats)
        guard let line = try connection.readLine() else {
            throw ConnectionError(path: connection.path, reason: "the daemon closed the stats connection")
        }
        guard let reply = ControlReply(line: line), let stats = StatsAnswer(json: reply.value) else {
            let text = String(decoding: line, as: UTF8.self)
            throw ConnectionError(path: connection.path, reason: "bad stats answer: \(text)")
        }
        return Counters(sent: stats["sent"] ?? 0, failed: stats["failed"] ?? 0)
    }

    /// The counters of several nodes, added up.
    static func sum(_ pollers: [StatsPoller]) throws(ConnectionError) -> Counters {
        var sent = 0
        var failed = 0
        for poller in pollers {
            let counters = try poller.poll()
            sent += counters.sent
            failed += counters.failed
        }
        return Counters(sent: sent, failed: failed)
    }
}
