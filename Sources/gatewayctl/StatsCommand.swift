import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl stats`: the daemon's counters, one per line.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show the daemon's counters.")

    /// The documented counters in reading order; any others follow alphabetically.
    private static let order = [
        "accepted", "duplicates", "rejected", "queued", "in_flight", "sent", "failed", "expired", "retried",
        "uptime_s",
    ]

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let client = try ControlClient(options: global)
        let response = try client.call(.stats)
        guard !global.json, let answer = StatsAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        // The answer's counters come in name order: the documented ones first, the rest as they are.
        let counters =
            Self.order.compactMap { name in answer[name].map { (name: name, value: $0) } }
            + answer.counters.filter { !Self.order.contains($0.name) }
        for counter in counters {
            print((counter.name + ":").padding(to: 12) + String(counter.value))
        }
    }
}
