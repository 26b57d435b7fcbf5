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
        guard !global.json, case .object(let stats)? = response.value["stats"] else {
            print(response.raw)
            return
        }
        let keys = Self.order.filter { stats[$0] != nil } + stats.keys.filter { !Self.order.contains($0) }.sorted()
        for key in keys {
            print((key + ":").padding(to: 12) + (stats[key]?.scalarText ?? stats[key]!.serialized))
        }
    }
}
