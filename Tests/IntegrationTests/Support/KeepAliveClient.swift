import Foundation

/// One HTTP/1.1 keep-alive connection to 127.0.0.1, for tests that send many requests on it (a blocking socket;
/// answers are read by `Content-Length`).
final class KeepAliveClient {
    private let descriptor: Int32
    private var buffered: [UInt8] = []

    init(port: Int) throws {
        guard let descriptor = LoopbackTCP.connect(port: port) else {
            throw TestFailure("cannot connect to port \(port)")
        }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Sends a request and reads its answer: the status, the headers (names lower-cased) and the body.
    func exchange(
        method: String = "POST", path: String, headers: [(String, String)] = [], body: [UInt8]
    ) throws -> (status: Int, headers: [String: String], body: String) {
        var head = "\(method) \(path) HTTP/1.1\r\nContent-Length: \(body.count)\r\n"
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { head += "Host: 127.0.0.1\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let request = Array((head + "\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let count = request.withUnsafeBytes { write(descriptor, $0.baseAddress! + sent, $0.count - sent) }
            guard count > 0 else { throw TestFailure("write failed: \(errno)") }
            sent += count
        }
        while true {
            if let end = Self.headerEnd(buffered) {
                let lines = String(decoding: buffered[0..<end], as: UTF8.self).split(separator: "\r\n")
                var fields: [String: String] = [:]
                for line in lines.dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2 {
                        fields[parts[0].lowercased()] = parts[1].trimmingCharacters(in: .whitespaces)
                    }
                }
                let length = Int(fields["content-length"] ?? "") ?? 0
                if buffered.count >= end + 4 + length {
                    let status = lines.first?.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? -1
                    let content = String(decoding: buffered[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                    buffered.removeFirst(end + 4 + length)
                    return (status, fields, content)
                }
            }
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { throw TestFailure("connection closed or timed out (\(errno))") }
            buffered += chunk[0..<count]
        }
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual([13, 10, 13, 10]) }
    }
}
