import ArgumentParser
import ControlProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// `receiptbench verify`: checks with the daemon's `report` that each channel has the expected number of
/// `delivered` messages (waiting up to `--timeout` for the last commits), and prints the counts.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check that every message of each channel is delivered.")

    @Option(help: "Control socket path.")
    var socket: String

    @Option(help: "CHANNEL=N: the channel must have N delivered messages (repeatable).")
    var expect: [String]

    @Option(help: "Seconds to wait for the counts.")
    var timeout: Double = 10

    func run() throws {
        var expected: [(channel: String, count: Int)] = []
        for item in expect {
            let parts = item.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let count = Int(parts[1]) else {
                throw ValidationError("--expect takes CHANNEL=N, not '\(item)'")
            }
            expected.append((String(parts[0]), count))
        }
        let counters = try GatewayCounters(socket: socket)
        let start = MonotonicClock.now()
        while true {
            let rows = try counters.report()
            let good = expected.allSatisfy { (rows[$0.channel]?.delivered ?? 0) == $0.count }
            if good || Double(MonotonicClock.now() - start) / 1e9 > timeout {
                let stats = try counters.stats()
                var line = expected.map { channel, count in
                    let row = rows[channel]
                    let failed = row?.failed.values.reduce(0, +) ?? 0
                    return
                        "\(channel): delivered=\(row?.delivered ?? 0)/\(count) sent=\(row?.sent ?? 0) failed=\(failed)"
                }.joined(separator: " ")
                line += " | receipts=\(stats["receipts"] ?? 0) matched=\(stats["receipts_matched"] ?? 0)"
                line += " unmatched=\(stats["receipts_unmatched"] ?? 0) duplicate=\(stats["receipts_duplicate"] ?? 0)"
                print(line)
                if !good { throw ExitCode.failure }
                return
            }
            usleep(200_000)
        }
    }
}
