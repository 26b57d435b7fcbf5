import Foundation

/// Pushes Alibaba SmsReport callbacks (vendors.md 2.1.7) to a gateway, as Alibaba does after a send: numbers
/// ending in 0003 fail (`UNDELIV`), those ending in 0002 are pushed twice (the second copy a moment later, in
/// another POST), those ending in 999 are pushed at once (before the send's reply, which the vendor holds back a
/// second), the rest 200 ms after the send's reply.
///
/// Alibaba batches its HTTP pushes, so reports that are due together go out as one JSON array of up to
/// ``batchLimit``, over a few keep-alive connections: one blocking connection per report could not keep up with
/// the benches' tens of thousands of sends a second.
final class ReportPusher: Sendable {
    /// Reports in one POST at most.
    static let batchLimit = 100
    /// Connections (each with its own thread) pushing in parallel.
    static let connections = 4
    /// How long after a send its report is due, and a repeat after the first copy.
    static let reportDelay = 0.2

    private let host: String
    private let port: UInt16
    private let path: String
    /// Guards the queues below and wakes the connections when reports come.
    private let queues = NSCondition()
    /// Reports waiting, by their delay after the send in milliseconds: each queue holds one delay, so it stays
    /// sorted by due time and the due reports are a prefix.
    nonisolated(unsafe) private var waiting: [Int: [(due: Double, report: String)]] = [:]

    /// `nil` unless `url` is `http://host:port/path` with a numeric IPv4 host.
    init?(url: String) {
        guard let components = URLComponents(string: url), components.scheme == "http",
            let host = components.host, inet_addr(host) != INADDR_NONE, let port = components.port,
            let port16 = UInt16(exactly: port)
        else { return nil }
        self.host = host
        self.port = port16
        self.path = components.path.isEmpty ? "/" : components.path
        for index in 0..<Self.connections {
            let thread = Thread { [self] in run() }
            thread.name = "report-pusher-\(index)"
            thread.start()
        }
    }

    /// Queues the reports for one send: every number of it, with the send's BizId and OutId. `replyDelay` is how
    /// long the vendor holds the reply back: reports come after it, but for numbers ending in 999, which come first.
    func push(numbers: [String], bizID: String, outID: String, replyDelay: Double) {
        let start = Self.monotonicSeconds()
        queues.lock()
        for number in numbers {
            let report = Self.report(number: number, bizID: bizID, outID: outID)
            let delay = number.hasSuffix("999") ? 0 : replyDelay + Self.reportDelay
            enqueue(report, at: start, delay: delay)
            if number.hasSuffix("0002") { enqueue(report, at: start, delay: delay + Self.reportDelay) }
        }
        queues.broadcast()
        queues.unlock()
    }

    /// Adds a report due `delay` after `start`; the caller holds `queues`.
    private func enqueue(_ report: String, at start: Double, delay: Double) {
        waiting[Int((delay * 1000).rounded()), default: []].append((start + delay, report))
    }

    static func report(number: String, bizID: String, outID: String) -> String {
        let failed = number.hasSuffix("0003")
        return #"{"phone_number":\#(number.jsonQuoted),"send_time":"2026-11-24 10:00:00","#
            + #""report_time":"2026-11-24 10:00:05","success":\#(!failed),"#
            + #""err_code":"\#(failed ? "UNDELIV" : "DELIVERED")","err_msg":"x","sms_size":"1","#
            + #""biz_id":\#(bizID.jsonQuoted),"out_id":\#(outID.jsonQuoted)}"#
    }

    private static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The reports due now, up to a batch; waits until some are.
    private func nextBatch() -> [String] {
        queues.lock()
        defer { queues.unlock() }
        while true {
            let current = Self.monotonicSeconds()
            var batch: [String] = []
            for delay in waiting.keys.sorted() where batch.count < Self.batchLimit {
                let due = waiting[delay]!.prefix { $0.due <= current }.prefix(Self.batchLimit - batch.count)
                batch += due.map(\.report)
                waiting[delay]!.removeFirst(due.count)
            }
            if !batch.isEmpty { return batch }
            let earliest = waiting.values.compactMap(\.first?.due).min()
            if let earliest {
                _ = queues.wait(until: Date(timeIntervalSinceNow: max(earliest - current, 0.001)))
            } else {
                queues.wait()
            }
        }
    }

    /// One connection's loop: take due reports, POST them, repeat.
    private func run() {
        var connection: Int32 = -1
        while true {
            let body = Array(("[" + nextBatch().joined(separator: ",") + "]").utf8)
            // A connection the gateway closed in the meantime fails the first try; the second opens a new one.
            for _ in 0..<2 {
                if connection < 0 { connection = open() }
                guard connection >= 0 else { break }
                if post(body, on: connection) { break }
                close(connection)
                connection = -1
            }
        }
    }

    /// A blocking TCP connection to the gateway, or -1.
    private func open() -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr(host)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            return -1
        }
        return descriptor
    }

    /// Sends one HTTP/1.1 POST and reads its whole answer; `false` if the connection failed or must be closed.
    private func post(_ body: [UInt8], on descriptor: Int32) -> Bool {
        let request =
            Array(
                ("POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
                    + "Content-Length: \(body.count)\r\n\r\n").utf8) + body
        var sent = 0
        while sent < request.count {
            let written = request.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, $0.count - sent, 0) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return false }
            sent += written
        }
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            answer += buffer[0..<count]
            guard let end = Self.headerEnd(answer) else { continue }
            let head = String(decoding: answer[0..<end], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }
            guard let length else { return false }  // Without a length the answer ends at close.
            if answer.count >= end + 4 + length {
                return !head.contains("connection: close") && !head.hasPrefix("http/1.0")
            }
        }
    }

    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }
}
