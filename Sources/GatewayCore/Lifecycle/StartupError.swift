/// Why the daemon could not start: one line an operator can act on.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case lockHeld = "lock_held"
        case stateDirectory = "state_directory"
        case socketInUse = "socket_in_use"
        case socket
        case listen
        case store
    }

    private let code: Code
    /// The whole explanation, without the "cannot start" prefix.
    public let description: String

    private init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }

    /// Another daemon holds the state directory's lock.
    static func lockHeld(_ path: String, pid: Int32?) -> StartupError {
        StartupError(
            .lockHeld,
            "another gatewayd (pid \(pid.map(String.init) ?? "unknown")) is running on this store: \(path) is locked")
    }

    /// The state directory cannot be created or used.
    static func stateDirectory(_ directory: String, reason: String) -> StartupError {
        StartupError(.stateDirectory, "state directory \(directory): \(reason)")
    }

    /// A live daemon answers on the control socket path.
    static func socketInUse(_ path: String) -> StartupError {
        StartupError(.socketInUse, "control socket \(path): another daemon is answering on it; not replacing it")
    }

    /// The control socket cannot be bound.
    static func socket(_ path: String, reason: String) -> StartupError {
        StartupError(.socket, "control socket \(path): \(reason)")
    }

    /// The HTTP listener cannot be bound.
    static func listen(_ address: String, reason: String) -> StartupError {
        StartupError(.listen, "callback listener \(address): \(reason)")
    }

    /// The store cannot be opened or written.
    static func store(_ reason: String) -> StartupError { StartupError(.store, "store: \(reason)") }
}
