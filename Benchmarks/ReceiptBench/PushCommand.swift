import ArgumentParser
import ControlProtocol

/// `receiptbench push`: POSTs receipts (from fakevendor's `--record` file, or made up) over keep-alive
/// connections, one request outstanding on each, and prints receipts/s, request latency and, with `--pid`, that
/// process's CPU time per receipt.
struct PushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "POST receipts to a listener over keep-alive connections and measure receipts/s."
    )

    @Option(
        help: """
            Where to POST: http://HOST:PORT/PATH; {vendor} in PATH becomes each receipt's vendor \
            (e.g. http://127.0.0.1:8780/callbacks/{vendor}).
            """)
    var url: String

    @Option(help: "fakevendor --record file: one '<number>\\t<json>' line per accepted recipient.")
    var input: String?

    @Option(help: "Made-up receipts instead of --input (they match no message: the parse and store path only).")
    var synthetic: Int?

    @Option(help: "Only this vendor's records (aliyun or tencent); made-up receipts are of this vendor.")
    var vendor: String?

    @Option(help: "Connections, each with one request outstanding.")
    var connections: Int = 64

    @Option(help: "Receipts per POST (consecutive records of one vendor share a POST).")
    var batch: Int = 1

    @Option(help: "POSTs to make in all, cycling over the receipts (default: each receipt once).")
    var requests: Int?

    @Option(help: "Event-loop threads of the pusher.")
    var threads: Int = 1

    @Option(help: "The status every answer must have (404 to measure a listener's bare HTTP ceiling).")
    var expectStatus: Int = 200

    @Option(help: "Sample this process's CPU time (utime+stime) around the phase, e.g. gatewayd's pid.")
    var pid: Int32?

    @Option(help: "The gateway's control socket: its store commits are counted around the phase.")
    var socket: String?

    @Option(help: "Label progress lines on stderr (every 2 s); none without it.")
    var progress: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    mutating func validate() throws {
        guard connections > 0, batch > 0, threads > 0 else {
            throw ValidationError("--connections, --batch and --threads must be positive.")
        }
        guard (input == nil) != (synthetic == nil) else {
            throw ValidationError("Give exactly one of --input and --synthetic.")
        }
        if let vendor, ReceiptRecord.Vendor(rawValue: vendor) == nil {
            throw ValidationError("--vendor is aliyun or tencent, not '\(vendor)'.")
        }
        if let requests, requests <= 0 { throw ValidationError("--requests must be positive.") }
    }

    func run() throws {
        let only = vendor.flatMap(ReceiptRecord.Vendor.init(rawValue:))
        var records: [ReceiptRecord]
        if let input {
            records = try ReceiptRecord.load(path: input)
            if let only { records.removeAll { $0.vendor != only } }
        } else {
            records = (0..<(synthetic ?? 0)).map { index in
                let digits = String(index)
                let number = "+86137" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
                return ReceiptRecord(
                    vendor: only ?? .aliyun, number: number, vendorID: "synthetic-\(index)", outID: "")
            }
        }
        guard !records.isEmpty else { throw ValidationError("No receipts to push (is the input empty?).") }
        let target = try PushTarget(url: url)
        let plan = PushPlan.build(records: records, batch: batch, target: target, total: requests)
        // Commits around the phase: how many receipts each commit carried (its log pages and sync shared).
        let counters = try socket.map { try GatewayCounters(socket: $0) }
        let commitsBefore = try counters?.stats()["store_commits"]
        var result = try PushRun(
            plan: plan, target: target, connections: min(connections, plan.total), threads: threads,
            expectedStatus: expectStatus, cpuPID: pid, progressLabel: progress
        ).run()
        if let commitsBefore, let commitsAfter = try counters?.stats()["store_commits"] {
            result.storeCommits = commitsAfter - commitsBefore
        }
        print(json ? result.jsonText : result.humanText)
        if !result.complete { throw ExitCode.failure }
    }
}
