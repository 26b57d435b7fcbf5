import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// Options every subcommand accepts: where the socket is and whether to print raw JSON.
struct GlobalOptions: ParsableArguments {
    /// The built-in socket path, used when neither `--socket` nor `$GATEWAY_SOCKET` is given.
    static let defaultSocket = "/run/channel-gateway/gateway.sock"

    @Option(name: .long, help: "Control socket path (default: $GATEWAY_SOCKET or \(defaultSocket)).")
    var socket: String?

    @Flag(name: .long, help: "Print the daemon's raw JSON response lines instead of tables.")
    var json = false

    /// The socket path to use after applying the environment default.
    var socketPath: String {
        if let socket { return socket }
        if let fromEnvironment = getenv("GATEWAY_SOCKET"), fromEnvironment.pointee != 0 {
            return String(cString: fromEnvironment)
        }
        return Self.defaultSocket
    }
}
