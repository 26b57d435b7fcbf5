#if canImport(Glibc)
    import Glibc
#endif

/// A blocking client connection to the gateway's Unix control socket, read and written in whole lines.
///
/// One thread may write while another reads (bulk send does exactly that): the read buffer is touched
/// only by `readLine`, and the kernel keeps the two directions of a stream socket independent.
public final class SocketConnection: @unchecked Sendable {
    /// The socket path, for messages.
    public let path: String
    private let descriptor: Int32
    private var readBuffer: [UInt8] = []
    private var readStart = 0

    /// Connects to the socket at `path`.
    public init(path: String) throws(ConnectionError) {
        self.path = path
        // A daemon that goes away mid-write must surface as EPIPE, not kill the client.
        signal(SIGPIPE, SIG_IGN)
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ConnectionError(path: path, reason: Self.lastError()) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard pathBytes.count < capacity else {
            close(descriptor)
            throw ConnectionError(path: path, reason: "path is longer than \(capacity - 1) bytes")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let status = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                connect(descriptor, socketAddress, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard status == 0 else {
            let reason = Self.lastError()
            close(descriptor)
            throw ConnectionError(path: path, reason: reason)
        }
        self.descriptor = descriptor
        readBuffer.reserveCapacity(64 * 1024)
    }

    deinit {
        close(descriptor)
    }

    /// Writes all of `bytes`, retrying short writes.
    public func write(_ bytes: [UInt8]) throws(ConnectionError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw ConnectionError(path: path, reason: "write failed: \(Self.lastError())")
            }
            offset += written
        }
    }

    /// Sends one request line (a newline is appended).
    public func send(line: String) throws(ConnectionError) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        try write(bytes)
    }

    /// The next line without its newline, or `nil` once the daemon closed the connection.
    public func readLine() throws(ConnectionError) -> [UInt8]? {
        while true {
            if let newline = readBuffer[readStart...].firstIndex(of: UInt8(ascii: "\n")) {
                // A copy, so no slice keeps the buffer shared and forces a copy on the next read.
                let line = Array(readBuffer[readStart..<newline])
                readStart = newline + 1
                return line
            }
            // Compact before reading more so the buffer does not grow with the whole stream.
            if readStart > 0 {
                readBuffer.removeSubrange(0..<readStart)
                readStart = 0
            }
            let oldCount = readBuffer.count
            let chunk = 64 * 1024
            readBuffer.append(contentsOf: repeatElement(0, count: chunk))
            let received = readBuffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + oldCount, chunk)
            }
            readBuffer.removeLast(chunk - max(received, 0))
            if received == 0 { return nil }
            if received < 0 {
                if errno == EINTR { continue }
                throw ConnectionError(path: path, reason: "read failed: \(Self.lastError())")
            }
        }
    }

    /// Shuts both directions down, waking a thread blocked in `readLine`.
    public func shutdownBoth() {
        shutdown(descriptor, Int32(SHUT_RDWR))
    }

    private static func lastError() -> String {
        String(cString: strerror(errno))
    }
}
