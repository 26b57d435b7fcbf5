import ArgumentParser
import ControlProtocol
import GatewayClient
import GatewayJSON

#if canImport(Glibc)
    import Glibc
#endif

/// `gatewaybench`: measures how fast gatewayd accepts pipelined sends and then dispatches them to the vendor.
@main
struct GatewayBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewaybench",
        abstract: "Pipeline send requests into gatewayd and measure ACK latency and dispatch throughput."
    )

    @Option(
        help: ArgumentHelp(
            "Control socket path; repeat it for several nodes sharing one store (clients go round-robin, and the"
                + " dispatch phase sums their stats)."))
    var socket: [String] = ["/run/channel-gateway/gateway.sock"]

    @Option(help: "Total messages to send.")
    var messages: Int = 100_000

    @Option(help: "Connections, each sending an equal share.")
    var clients: Int = 8

    @Option(help: "Outstanding requests allowed per connection.")
    var window: Int = 256

    @Option(help: "Channel instance to send on.")
    var channel: String = "sms"

    @Option(help: "Template name put in each message.")
    var template: String = "otp"

    @Option(help: "Seconds to wait for sent+failed to reach N after the last ACK (0 skips the dispatch phase).")
    var timeout: Double = 120

    @Flag(help: "Print the results as one JSON object.")
    var json = false

    @Option(
        help: ArgumentHelp(
            "Write every ACK to this file, one line each: milliseconds from the first send to its send, then its "
                + "latency in milliseconds (where in the run the slow ones fall).", valueName: "path"))
    var latencies: String?

    /// Every ACK as `send-offset latency` lines (milliseconds), in the order they went out.
    private static func writeLatencies(_ results: [BenchClient.Result], from start: UInt64, to path: String) throws {
        var acks: [(sent: UInt64, latency: UInt64)] = []
        for result in results { acks += zip(result.sentAt, result.latencies).map { ($0, $1) } }
        acks.sort { $0.sent < $1.sent }
        var text = ""
        text.reserveCapacity(acks.count * 16)
        for ack in acks {
            text += BenchResult.format(Double(ack.sent &- start) / 1e6, digits: 3) + " "
            text += BenchResult.format(Double(ack.latency) / 1e6, digits: 3) + "\n"
        }
        guard let file = fopen(path, "w") else {
            throw ValidationError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        guard fputs(text, file) >= 0 else { throw ValidationError("cannot write \(path)") }
    }

    mutating func validate() throws {
        guard messages > 0, clients > 0, window > 0 else {
            throw ValidationError("--messages, --clients and --window must be positive.")
        }
    }

    func run() throws {
        do {
            let result = try measure()
            print(json ? result.jsonText : result.humanText)
            if !result.complete { throw ExitCode.failure }
        } catch let error as ConnectionError {
            let bytes = Array("\(error)\n".utf8)
            bytes.withUnsafeBytes { raw in _ = Glibc.write(2, raw.baseAddress!, raw.count) }
            throw ExitCode(2)
        }
    }

    private func measure() throws -> BenchResult {
        let pollers = try socket.map { path throws(ConnectionError) in try StatsPoller(path: path) }
        let baseline = try StatsPoller.sum(pollers)
        // A run tag keeps dedup keys unique across runs against the same daemon.
        let runTag = "\(getpid())-\(MonotonicClock.now() / 1_000_000)"
        var benchClients: [BenchClient] = []
        for client in 0..<clients {
            let share = messages / clients + (client < messages % clients ? 1 : 0)
            let first = client * (messages / clients) + min(client, messages % clients)
            let lines = (first..<first + share).map { requestLine(index: $0, runTag: runTag) }
            benchClients.append(
                try BenchClient(path: socket[client % socket.count], lines: lines, window: window))
        }

        let start = MonotonicClock.now()
        let results = runAll(benchClients)
        if let failure = results.lazy.compactMap(\.failure).first { throw failure }
        let lastAnswer = results.map(\.lastAnswerAt).max() ?? start

        var result = BenchResult(messages: messages, clients: clients, window: window)
        result.acceptSeconds = Double(lastAnswer - start) / 1e9
        result.accepted = results.map(\.accepted).reduce(0, +)
        result.duplicates = results.map(\.duplicates).reduce(0, +)
        for client in results {
            result.errors.merge(client.errors, uniquingKeysWith: +)
        }
        if let path = self.latencies { try Self.writeLatencies(results, from: start, to: path) }
        var latencies = results.flatMap(\.latencies)
        latencies.sort()
        result.ackP50Milliseconds = Self.percentile(latencies, 0.50)
        result.ackP99Milliseconds = Self.percentile(latencies, 0.99)

        guard timeout > 0 else { return result }
        // Only messages this run got accepted can ever be dispatched.
        let target = result.accepted
        let deadline = lastAnswer + UInt64(timeout * 1e9)
        var sentDoneAt: UInt64?
        while true {
            let counters = try StatsPoller.sum(pollers)
            let now = MonotonicClock.now()
            let sent = counters.sent - baseline.sent
            let failed = counters.failed - baseline.failed
            if sentDoneAt == nil && sent >= target { sentDoneAt = now }
            result.sent = sent
            result.failed = failed
            if sent + failed >= target || now >= deadline { break }
            usleep(100_000)
        }
        if let sentDoneAt {
            result.dispatchSeconds = Double(sentDoneAt - start) / 1e9
        }
        return result
    }

    /// Runs every client on its own threads and waits for all of them.
    private func runAll(_ clients: [BenchClient]) -> [BenchClient.Result] {
        let slots = ResultSlots(count: clients.count)
        DedicatedThreads.runAll(
            clients.enumerated().map { offset, client in
                { slots.store(client.run(), at: offset) }
            })
        return slots.all
    }

    /// One compact `send` request for message `index`.
    private func requestLine(index: Int, runTag: String) -> [UInt8] {
        let code = String(100_000 + index % 900_000)
        let suffix = String(index % 10_000)
        let to = "1380013" + String(repeating: "0", count: 4 - suffix.count) + suffix
        let request = ControlRequest.send(
            SendRequest(
                channel: channel, to: to, template: template, params: ["code": code], content: "Your code is \(code)",
                dedupKey: "bench-\(runTag)-\(index)"))
        return Array(request.line().utf8)
    }

    /// The value at `fraction` of a sorted array of nanoseconds, in milliseconds.
    private static func percentile(_ sorted: [UInt64], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
        return Double(sorted[max(index, 0)]) / 1e6
    }
}
