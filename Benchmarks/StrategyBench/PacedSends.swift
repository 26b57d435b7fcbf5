import ControlProtocol
import Foundation
import GatewayClient

#if canImport(Glibc)
    import Glibc
#endif

/// A steady send load (transactional, `rate` per second over `clients` connections) running beside the strategy
/// load; keeps each ACK's latency with its send time so the script can take the p99 over the enrolment window.
final class PacedSends: @unchecked Sendable {
    /// One ACK: when its send went out and how long the answer took, in nanoseconds.
    struct Sample: Sendable {
        var sentAt: UInt64
        var latency: UInt64
    }

    /// The ACKs of each connection.
    private let samples: [Locked<[Sample]>]
    private let running = RunningFlag()
    private var threads: [Thread] = []

    init(socket: String, channel: String, rate: Int, clients: Int) throws {
        samples = (0..<clients).map { _ in Locked([]) }
        let interval = UInt64(1_000_000_000) * UInt64(clients) / UInt64(max(rate, 1))
        for client in 0..<clients {
            let connection = try SocketConnection(path: socket)
            // Sent times in request order; answers come back in the same order on a connection.
            let pending = Locked<[UInt64]>([])
            let slot = samples[client]
            let reader = Thread { [running] in
                var next = 0
                while let line = try? connection.readLine() {
                    _ = line
                    let now = MonotonicClock.now()
                    let sentAt = pending.withLock { $0[next] }
                    next += 1
                    slot.withLock { $0.append(Sample(sentAt: sentAt, latency: now - sentAt)) }
                    if !running.isSet, pending.withLock({ $0.count }) == next { return }
                }
            }
            let writer = Thread { [running] in
                var index = 0
                var due = MonotonicClock.now()
                while running.isSet {
                    let now = MonotonicClock.now()
                    if now < due { usleep(UInt32(min((due - now) / 1000, 100_000))) }
                    due += interval
                    let code = String(100_000 + (client * 7919 + index) % 900_000)
                    let request = ControlRequest.send(
                        SendRequest(
                            channel: channel, to: "1391" + String(1_000_000 + client * 100_000 + index % 100_000),
                            template: "otp", params: ["code": code], content: "Your code is \(code)",
                            dedupKey: "sbench-\(getpid())-\(client)-\(index)"))
                    pending.withLock { $0.append(MonotonicClock.now()) }
                    if (try? connection.send(line: request.line())) == nil { return }
                    index += 1
                }
            }
            threads += [reader, writer]
        }
        threads.forEach { $0.start() }
    }

    /// Stops sending (answers still owed are collected for a moment).
    func stop() {
        running.clear()
        usleep(200_000)
    }

    /// Latencies (ms) of sends made between `from` and `to` (monotonic ns): count, p50, p99.
    func latencies(from: UInt64, to: UInt64) -> (count: Int, p50: Double, p99: Double) {
        var values = samples.flatMap { slot in
            slot.withLock { $0.filter { $0.sentAt >= from && $0.sentAt <= to }.map(\.latency) }
        }
        values.sort()
        func percentile(_ fraction: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            let index = min(values.count - 1, max(0, Int((Double(values.count) * fraction).rounded(.up)) - 1))
            return Double(values[index]) / 1e6
        }
        return (values.count, percentile(0.5), percentile(0.99))
    }
}
