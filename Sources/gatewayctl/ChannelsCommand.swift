import ArgumentParser
import ControlProtocol
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
        let response = try client.call(.channels)
        guard !global.json, let answer = ChannelsAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        var table = TextTable([
            "NAME", "TYPE", "VENDOR", "RATE/S", "BURST", "CONC", "QUEUED", "IN_FLIGHT", "SENT", "FAILED", "HELD",
            "PAUSED", "FAILS_IN_ROW",
        ])
        for row in answer.channels {
            table.append([
                row.name, row.type, row.vendor ?? "-", "\(row.ratePerSecond)", String(row.burst),
                String(row.concurrency), String(row.queued), String(row.inFlight), String(row.sent), String(row.failed),
                String(row.held), String(row.paused), String(row.consecutiveFailures),
            ])
        }
        print(table.render(), terminator: "")
    }
}
