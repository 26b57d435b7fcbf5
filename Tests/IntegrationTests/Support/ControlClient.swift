import ChannelKit
import GatewayClient

/// The test side of the control socket: gatewayctl's own connection, plus JSON parsing of answers.
final class ControlClient: Sendable {
    private let connection: SocketConnection

    init(path: String) throws {
        connection = try SocketConnection(path: path)
    }

    /// Writes raw bytes (a broken connection shows up as a missing answer).
    func write(_ bytes: [UInt8]) { try? connection.write(bytes) }

    /// Writes one line.
    func send(_ line: String) { try? connection.send(line: line) }

    /// Reads one answer line (nil at end of stream).
    func readLine() -> String? {
        (try? connection.readLine())?.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Sends a request and parses its answer.
    func request(_ line: String) -> JSONValue? {
        send(line)
        return readLine().flatMap { try? JSONParser.parse($0) }
    }
}
