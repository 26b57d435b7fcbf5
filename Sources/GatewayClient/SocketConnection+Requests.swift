public import ControlProtocol
public import GatewayJSON

/// Typed requests and answers over the line connection.
extension SocketConnection {
    /// Sends one request, with `id` when given.
    public func send(_ request: ControlRequest, id: JSONValue? = nil) throws(ConnectionError) {
        try send(line: request.line(id: id))
    }

    /// Sends `request` and reads its answer.
    /// - Returns: the answer, or `nil` when the line that came back is not a JSON object.
    /// - Throws: when the connection breaks or the daemon closes it before answering.
    public func exchange(_ request: ControlRequest) throws(ConnectionError) -> ControlReply? {
        try send(request)
        guard let line = try readLine() else {
            throw ConnectionError(path: path, reason: "the daemon closed the connection before answering")
        }
        return ControlReply(line: line)
    }
}
