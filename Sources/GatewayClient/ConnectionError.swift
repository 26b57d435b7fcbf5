/// The control socket could not be reached or the connection broke (`gatewayctl` exits 2 for these).
public struct ConnectionError: Error, CustomStringConvertible {
    /// The socket path that was used.
    public let path: String
    /// What went wrong, in words.
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        // The hint helps only when connecting failed; a broken connection means the daemon was there.
        let connecting = !reason.contains("failed:") && !reason.hasPrefix("the daemon")
        let hint = connecting ? " (is gatewayd running? use --socket or $GATEWAY_SOCKET)" : ""
        return "cannot talk to gatewayd at \(path): \(reason)\(hint)"
    }
}
