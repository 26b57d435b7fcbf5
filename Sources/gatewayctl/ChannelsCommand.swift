import ArgumentParser
import GatewayJSON

/// `gatewayctl channels`: the configured channel instances as a table.
struct ChannelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels",
        abstract: "List channel instances with their limits and counters."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let client = try ControlClient(options: global)
        let response = try client.call(.object(["op": .string("channels")]))
        guard !global.json, case .array(let channels)? = response.value["channels"] else {
            print(response.raw)
            return
        }
        let columns: [(title: String, key: String)] = [
            ("NAME", "name"), ("TYPE", "type"), ("VENDOR", "vendor"), ("RATE/S", "rate_per_second"),
            ("BURST", "burst"), ("CONC", "concurrency"), ("QUEUED", "queued"), ("IN_FLIGHT", "in_flight"),
            ("SENT", "sent"), ("FAILED", "failed"), ("HELD", "held"), ("PAUSED", "paused"),
            ("FAILS_IN_ROW", "consecutive_failures"),
        ]
        var table = TextTable(columns.map(\.title))
        for channel in channels {
            table.append(columns.map { channel[$0.key]?.scalarText ?? "-" })
        }
        print(table.render(), terminator: "")
    }
}
