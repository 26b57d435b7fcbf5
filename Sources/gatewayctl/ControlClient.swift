import ArgumentParser
import ControlProtocol
import GatewayClient
import GatewayJSON

#if canImport(Glibc)
    import Glibc
#endif

/// One request/response exchange at a time over the control socket, with the CLI's error conventions:
/// connection problems print a message and exit 2, daemon errors print `error: <code>: <message>` and exit 1.
struct ControlClient {
    /// A response: the line as received and its parsed value.
    typealias Response = ControlReply

    let connection: SocketConnection
    /// `--json`: error answers are printed raw on stdout too, so scripts see every answer.
    private let printsRawErrors: Bool

    /// Connects, or prints why not and exits 2.
    init(options: GlobalOptions) throws(ExitCode) {
        do {
            connection = try SocketConnection(path: options.socketPath)
        } catch {
            throw Self.fail(error)
        }
        printsRawErrors = options.json
    }

    /// Sends `request` and returns the answer whatever its `ok`.
    func exchange(_ request: ControlRequest) throws(ExitCode) -> Response {
        let line: [UInt8]
        do throws(ConnectionError) {
            try connection.send(request)
            guard let received = try connection.readLine() else {
                let reason = "the daemon closed the connection before answering"
                throw ConnectionError(path: connection.path, reason: reason)
            }
            line = received
        } catch {
            throw Self.fail(error)
        }
        guard let reply = ControlReply(line: line) else {
            Self.printError("gatewayctl: unreadable answer from gatewayd: \(String(decoding: line, as: UTF8.self))")
            throw ExitCode(2)
        }
        return reply
    }

    /// Sends `request` and returns the answer if it is `ok`; otherwise prints the daemon's error and exits 1.
    func call(_ request: ControlRequest) throws(ExitCode) -> Response {
        let response = try exchange(request)
        guard response.ok else {
            if printsRawErrors { print(response.raw) }
            Self.printError(Self.describeError(response))
            throw ExitCode.failure
        }
        return response
    }

    /// `error: <code>: <message>` for an error answer; a code this gatewayctl does not know (a newer daemon) is
    /// shown as it came.
    static func describeError(_ response: Response) -> String {
        "error: \(response.errorCode ?? "unknown"): \(response.errorMessage ?? "(no message)")"
    }

    /// Prints a connection failure and returns the exit code for it.
    static func fail(_ error: ConnectionError) -> ExitCode {
        printError("gatewayctl: \(error)")
        return ExitCode(2)
    }

    /// Writes one line to stderr, unbuffered so it interleaves correctly with progress output.
    static func printError(_ text: String) {
        let line = Array((text + "\n").utf8)
        line.withUnsafeBytes { raw in _ = Glibc.write(2, raw.baseAddress!, raw.count) }
    }
}
