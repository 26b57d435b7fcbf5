import ArgumentParser
import GatewayClient
import GatewayJSON

#if canImport(Glibc)
    import Glibc
#endif

/// `strategybench ready`: polls `health` every 5 ms until the daemon serves with its strategies ready (a
/// `strategies` field, where present, must say `ready`); prints the milliseconds it waited.
struct ReadyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ready")

    @Option(help: "Control socket path.") var socket: String
    @Option(help: "Seconds to wait at most.") var timeout: Double = 60

    func run() throws {
        let start = MonotonicClock.now()
        let deadline = start + UInt64(timeout * 1e9)
        while MonotonicClock.now() < deadline {
            if let connection = try? SocketConnection(path: socket),
                (try? connection.send(line: #"{"op":"health"}"#)) != nil,
                let line = try? connection.readLine(),
                let answer = try? JSONParser.parse(String(decoding: line, as: UTF8.self)),
                answer["status"] == .string("serving"),
                Self.strategiesReady(answer["strategies"])
            {
                print(Int((MonotonicClock.now() - start) / 1_000_000))
                return
            }
            usleep(5000)
        }
        throw ExitCode.failure
    }

    /// `strategies: "ready"` or `{"state":"ready",…}`; absent counts as ready (a daemon without the field).
    static func strategiesReady(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: true
        case .string(let text)?: text == "ready"
        case .bool(let ready)?: ready
        default: value?["state"] == .string("ready") || value?["ready"] == .bool(true)
        }
    }
}
