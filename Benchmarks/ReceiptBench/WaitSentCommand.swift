import ArgumentParser
import ControlProtocol

#if canImport(Glibc)
    import Glibc
#endif

/// `receiptbench wait-sent`: waits until the daemon has dispatched `--count` messages (its `sent` + `failed`
/// counters), printing progress on stderr; fails if any failed or the time runs out.
struct WaitSentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wait-sent", abstract: "Wait until gatewayd has sent N messages.")

    @Option(help: "Control socket path.")
    var socket: String

    @Option(help: "Messages that must reach `sent`.")
    var count: Int

    @Option(help: "Seconds to wait.")
    var timeout: Double = 600

    func run() throws {
        let counters = try GatewayCounters(socket: socket)
        let start = MonotonicClock.now()
        var lastPrint = start
        while true {
            let stats = try counters.stats()
            let sent = stats["sent"] ?? 0
            let failed = stats["failed"] ?? 0
            let now = MonotonicClock.now()
            let seconds = Double(now - start) / 1e9
            if sent + failed >= count {
                print("sent=\(sent) failed=\(failed) seconds=\(Int(seconds.rounded()))")
                if failed > 0 { throw ExitCode.failure }
                return
            }
            if seconds > timeout {
                print("timed out: sent=\(sent) failed=\(failed) queued=\(stats["queued"] ?? 0) of \(count)")
                throw ExitCode.failure
            }
            if now - lastPrint > 2_000_000_000 {
                lastPrint = now
                let line = "receiptbench: \(sent)/\(count) sent, \(failed) failed\n"
                _ = line.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
            }
            usleep(100_000)
        }
    }
}
