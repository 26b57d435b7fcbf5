import Glibc

/// Sends sd_notify(3) datagrams (`READY=1`, `STOPPING=1`, …) to `$NOTIFY_SOCKET`, without libsystemd.
public struct SystemdNotifier: Sendable {
    /// The socket path, or `nil` when not run by systemd (then every call does nothing).
    public let socketPath: String?

    /// The watchdog interval systemd expects pings within (`WATCHDOG_USEC`), if it set one.
    public let watchdogMicroseconds: Int64?

    /// - Parameters:
    ///   - socketPath: the `NOTIFY_SOCKET` value; a leading `@` names an abstract socket.
    ///   - watchdogMicroseconds: the `WATCHDOG_USEC` value, if any.
    public init(socketPath: String?, watchdogMicroseconds: Int64? = nil) {
        self.socketPath = socketPath.flatMap { $0.isEmpty ? nil : $0 }
        self.watchdogMicroseconds = watchdogMicroseconds
    }

    /// Sends one notification (e.g. `READY=1`); returns whether it was delivered.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        guard let socketPath else { return false }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var pathBytes = Array(socketPath.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count)
        let payload = Array(state.utf8)
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                sendto(descriptor, payload, payload.count, Int32(MSG_NOSIGNAL), socketAddress, length)
            }
        }
        return sent == payload.count
    }
}
