import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl report`: the channel report (the default, `report --since 24h`) or a strategy's funnel
/// (`report strategy NAME`, `ReportStrategyCommand.swift`).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per channel: sent, delivered %, opened %, clicked %, failures by reason; or a strategy's funnel.",
        subcommands: [ReportChannelsCommand.self, ReportStrategyCommand.self],
        defaultSubcommand: ReportChannelsCommand.self
    )

    /// `count` as a percentage of `total`, one decimal.
    static func percent(_ count: Int, of total: Int) -> String {
        let tenths = (count * 1000 + total / 2) / total
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

/// `gatewayctl report [channels] --since 24h`: per channel, what happened to the messages accepted in a period.
struct ReportChannelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels",
        abstract: "Per channel: sent, delivered %, opened %, clicked %, failures by reason (the default)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The messages accepted since then: \(SinceHelp.grammar).")
    var since = "24h"

    func run() throws {
        let response = try ControlClient(options: global).call(.report(ReportRequest(since: .text(since))))
        if global.json {
            print(response.raw)
            return
        }
        let answer = ReportAnswer(json: response.value)
        guard let answer, !answer.channels.isEmpty else {
            print("no messages since \(answer?.since ?? since)")
            return
        }
        print("since \(answer.since)\n")
        var table = TextTable([
            "CHANNEL", "ACCEPTED", "SENT", "DELIVERED", "OPENED", "CLICKED", "FAILED", "EXPIRED", "SUPPRESSED",
            "QUEUED",
        ])
        var reasons: [String] = []
        for row in answer.channels {
            func share(_ count: Int) -> String {
                row.sent == 0 ? "-" : "\(count) (\(ReportCommand.percent(count, of: row.sent)))"
            }
            var failed = 0
            for (reason, value) in row.failed.sorted(by: { $0.key < $1.key }) {
                failed += value
                reasons.append("  \(row.channel): \(reason) \(value)")
            }
            table.append([
                row.channel, String(row.accepted), String(row.sent), share(row.delivered), share(row.opened),
                share(row.clicked), String(failed), String(row.expired), String(row.suppressed), String(row.queued),
            ])
        }
        print(table.render(), terminator: "")
        if !reasons.isEmpty { print("\nfailed by reason:\n" + reasons.joined(separator: "\n")) }
    }
}
