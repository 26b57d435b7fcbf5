import Foundation
import Synchronization

/// A loopback HTTP/1.1 server that takes POSTs on keep-alive connections, answers each
/// `{"code":0,"msg":"接收成功"}` (Alibaba's SmsReport reply contract, vendors.md §2.1.7) and keeps the bodies, for
/// checking what a stub vendor pushes.
final class ReportSink: Sendable {
    let port: Int
    private let listener: Int32
    private let bodies = Mutex<[String]>([])

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = LoopbackTCP.address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && listen(descriptor, 64) == 0
                    && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw TestFailure("cannot listen for reports")
        }
        listener = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// The bodies received so far, in arrival order.
    var received: [String] { bodies.withLock { $0 } }

    /// Stops accepting (connections already open end when the peer closes them).
    func stop() { shutdown(listener, Int32(SHUT_RDWR)) }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            Thread.detachNewThread { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffered: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            while let end = (0..<max(0, buffered.count - 3)).first(where: {
                buffered[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10])
            }) {
                let head = String(decoding: buffered[0..<end], as: UTF8.self).lowercased()
                let length =
                    head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                guard buffered.count >= end + 4 + length else { break }
                let body = String(decoding: buffered[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                buffered.removeFirst(end + 4 + length)
                bodies.withLock { $0.append(body) }
                let reply = Array(#"{"code":0,"msg":"接收成功"}"#.utf8)
                let answer =
                    Array(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(reply.count)\r\n\r\n"
                            .utf8)
                    + reply
                _ = answer.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
            }
            let count = chunk.withUnsafeMutableBytes { read(connection, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            buffered += chunk[0..<count]
        }
    }
}
