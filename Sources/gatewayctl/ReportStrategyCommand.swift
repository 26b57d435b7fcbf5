import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl report strategy NAME [--version N]`: run totals, the uplift over the holdout, and the funnel per
/// step and per channel type.
struct ReportStrategyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategy",
        abstract: "A strategy's funnel per step and channel type, conversion rate and uplift over the holdout."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The strategy's name.")
    var strategy: String

    @Option(help: "Only this version (default: every version summed).")
    var version: Int?

    func run() throws {
        let request = ReportRequest(strategy: strategy, version: version)
        let response = try ControlClient(options: global).call(.report(request))
        if global.json {
            print(response.raw)
            return
        }
        guard let answer = StrategyReportAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        print(Self.render(answer), terminator: "")
    }

    /// The report as text: totals per group, the uplift line, then per-step and per-channel tables per group.
    static func render(_ answer: StrategyReportAnswer) -> String {
        let version = answer.version.map { "version \($0)" } ?? "all versions"
        var text = "strategy \(answer.strategy), \(version) (latest \(answer.latest))\n\n"
        var totals = TextTable(["RUNS", "TREATED", "HOLDOUT"])
        for (label, pick) in [
            ("enrolled", \StrategyReportAnswer.Totals.enrolled), ("active", \.active), ("finished", \.finished),
        ] {
            totals.append([label, String(answer.treated[keyPath: pick]), String(answer.holdout[keyPath: pick])])
        }
        totals.append(["converted", converted(answer.treated), converted(answer.holdout)])
        totals.append(["value", number(answer.treated.value), number(answer.holdout.value)])
        text += totals.render()
        text += "\n" + uplift(answer) + "\n"

        for group in StrategyReportAnswer.Group.allCases {
            let steps = answer.steps.filter { $0.group == group }
            guard !steps.isEmpty else { continue }
            var table = TextTable([
                "STEP", "ENTERED", "SENT", "SUPPRESSED", "DEFERRED", "HELD OUT", "DELIVERED", "OPENED", "CLICKED",
                "REPLIED", "TIMED OUT", "EXITED", "CONVERTED", "RATE",
            ])
            var reasons: [String] = []
            for line in steps {
                let counts = line.counters
                table.append([
                    line.step, String(counts.entered), String(counts.sent), String(counts.suppressedTotal),
                    String(counts.deferred), String(counts.heldOut), share(counts.delivered, of: counts.sent),
                    share(counts.opened, of: counts.sent), share(counts.clicked, of: counts.sent),
                    String(counts.replied), String(counts.timedOut), String(counts.exited), String(counts.converted),
                    rate(counts.conversionRate),
                ])
                for (reason, count) in counts.suppressed.sorted(by: { $0.key < $1.key }) {
                    reasons.append("  \(line.step): \(reason) \(count)")
                }
            }
            text += "\nper step (\(group.rawValue)):\n" + table.render()
            if !reasons.isEmpty { text += "suppressed by reason:\n" + reasons.joined(separator: "\n") + "\n" }
        }
        for group in StrategyReportAnswer.Group.allCases {
            let channels = answer.channels.filter { $0.group == group }
            guard !channels.isEmpty else { continue }
            var table = TextTable([
                "CHANNEL TYPE", "SENT", "SUPPRESSED", "DELIVERED", "OPENED", "CLICKED", "REPLIED", "CONVERTED", "RATE",
                "VALUE",
            ])
            for line in channels {
                let counts = line.counters
                table.append([
                    line.channelType ?? "-", String(counts.sent), String(counts.suppressedTotal),
                    share(counts.delivered, of: counts.sent), share(counts.opened, of: counts.sent),
                    share(counts.clicked, of: counts.sent), String(counts.replied), String(counts.converted),
                    rate(counts.conversionRate), number(counts.value),
                ])
            }
            text += "\nper channel type (\(group.rawValue)):\n" + table.render()
        }
        return text
    }

    /// `uplift: +3.2 points (treated 12.0% of 950, holdout 8.8% of 50), relative +36.4%`.
    static func uplift(_ answer: StrategyReportAnswer) -> String {
        let treated = "treated \(rate(answer.treated.rate)) of \(answer.treated.enrolled)"
        let holdout = "holdout \(rate(answer.holdout.rate)) of \(answer.holdout.enrolled)"
        guard let absolute = answer.upliftAbsolute else { return "uplift: - (\(treated), \(holdout))" }
        var text = "uplift: \(signed(absolute * 100)) points (\(treated), \(holdout))"
        if let relative = answer.upliftRelative { text += ", relative \(signed(relative * 100))%" }
        return text
    }

    private static func converted(_ totals: StrategyReportAnswer.Totals) -> String {
        "\(totals.converted) (\(rate(totals.rate)))"
    }

    private static func share(_ count: Int, of total: Int) -> String {
        total == 0 ? String(count) : "\(count) (\(ReportCommand.percent(count, of: total)))"
    }

    /// A rate as a percentage with one decimal, `-` when there is none.
    static func rate(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "-" }
        return oneDecimal(value * 100) + "%"
    }

    private static func signed(_ value: Double) -> String { (value >= 0 ? "+" : "") + oneDecimal(value) }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : oneDecimal(value)
    }
}
