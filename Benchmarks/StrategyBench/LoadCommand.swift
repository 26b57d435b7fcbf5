import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// `strategybench load`: imports N customers (`customer_batch`), then enrols them (`enrol_batch`) while a paced
/// send load runs; prints one JSON object with both rates and the sends' ACK latency during the enrolment.
struct LoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "load")

    @Option(help: "Control socket path.") var socket: String
    @Option(help: "Customers to import and enrol.") var customers: Int = 1_000_000
    @Option(help: "Strategy to enrol into.") var strategy: String = "bench"
    @Option(help: "Items per batch request.") var batch: Int = 1000
    @Option(help: "Batch requests outstanding.") var window: Int = 4
    @Option(help: "Channel instance of the concurrent send load.") var channel: String = "sms"
    @Option(help: "Sends per second of the concurrent load (0: none).") var sendRate: Int = 2000
    @Option(help: "Connections of the send load.") var sendClients: Int = 4
    @Flag(help: "Skip the customer import (customers already loaded).") var skipImport = false
    @Option(
        help:
            "Runs per second whose timers fall due: customer n starts n/rate seconds after the enrolment began (0: all start when enrolled)."
    ) var fireRate: Int = 0

    func run() throws {
        let batches = (customers + batch - 1) / batch
        let pipeline = PipelinedBatches(socket: socket, window: window)
        let (total, size) = (customers, batch)
        var importRate = 0.0
        var imported: PipelinedBatches.Tally = [:]
        if !skipImport {
            let start = MonotonicClock.now()
            imported = try pipeline.run(count: batches) { index in
                let items = (index * size..<min(total, (index + 1) * size)).map { n in
                    #"{"customer":"c\#(n)","addresses":{"sms":"13\#(String(100_000_000 + n))"},"#
                        + #""attributes":{"name":"客户\#(n % 1000)"}}"#
                }
                return #"{"op":"customer_batch","customers":[\#(items.joined(separator: ","))]}"#
            }
            importRate = Double(total) / (Double(MonotonicClock.now() - start) / 1e9)
        }

        let sends =
            sendRate > 0
            ? try PacedSends(socket: socket, channel: channel, rate: sendRate, clients: sendClients) : nil
        usleep(500_000)  // the send load settles before the enrolment starts
        let name = strategy
        let startedAt = MonotonicClock.now()
        let startedEpoch = MonotonicClock.epochMilliseconds()
        let rate = fireRate
        let enrolled = try pipeline.run(count: batches) { index in
            let items = (index * size..<min(total, (index + 1) * size)).map { n in
                // The issue's timers fall due spread over time (1,000,000 over a minute), not at the enrolment rate.
                let start = rate > 0 ? #","start_at":\#(startedEpoch + Int64(n) * 1000 / Int64(rate))"# : ""
                return #"{"customer":"c\#(n)","enrol_key":"b\#(n)"\#(start)}"#
            }
            return #"{"op":"enrol_batch","strategy":"\#(name)","customers":[\#(items.joined(separator: ","))]}"#
        }
        let finishedAt = MonotonicClock.now()
        let finishedEpoch = MonotonicClock.epochMilliseconds()
        sends?.stop()
        let acks: (count: Int, p50: Double, p99: Double) =
            sends?.latencies(from: startedAt, to: finishedAt) ?? (0, 0, 0)
        let seconds = Double(finishedAt - startedAt) / 1e9
        func tally(_ counts: PipelinedBatches.Tally) -> String {
            "{" + counts.sorted { $0.key < $1.key }.map { #""\#($0.key)":\#($0.value)"# }.joined(separator: ",") + "}"
        }
        var line = #"{"customers":\#(total),"import_per_second":\#(Int(importRate)),"#
        line += #""imported":\#(tally(imported)),"enrolled":\#(enrolled["enrolled"] ?? 0),"#
        line += #""enrol_states":\#(tally(enrolled)),"enrol_seconds":\#(seconds),"#
        line += #""enrol_per_second":\#(Int(Double(total) / seconds)),"#
        line += #""enrol_started_ms":\#(startedEpoch),"enrol_finished_ms":\#(finishedEpoch),"#
        line += #""send_acks":\#(acks.count),"send_p50_ms":\#(acks.p50),"send_p99_ms":\#(acks.p99)}"#
        print(line)
    }
}
