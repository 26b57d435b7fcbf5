import ArgumentParser
import GatewayJSON

/// `gatewayctl report --since 24h`: per channel, what happened to the messages accepted in a period.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Per channel: sent, delivered %, opened %, clicked %, failures by reason."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "The messages accepted since then: \(SinceHelp.grammar).")
    var since = "24h"

    func run() throws {
        let response = try ControlClient(options: global).call(
            .object(["op": .string("report"), "since": .string(since)]))
        if global.json {
            print(response.raw)
            return
        }
        guard case .array(let channels)? = response.value["channels"], !channels.isEmpty else {
            print("no messages since \(response.value["since"]?.scalarText ?? since)")
            return
        }
        print("since \(response.value["since"]?.scalarText ?? since)\n")
        var table = TextTable([
            "CHANNEL", "ACCEPTED", "SENT", "DELIVERED", "OPENED", "CLICKED", "FAILED", "EXPIRED", "SUPPRESSED",
            "QUEUED",
        ])
        var reasons: [String] = []
        for channel in channels {
            func count(_ key: String) -> Int { channel[key]?.intValue ?? 0 }
            let sent = count("sent")
            func share(_ key: String) -> String {
                sent == 0 ? "-" : "\(count(key)) (\(Self.percent(count(key), of: sent)))"
            }
            var failed = 0
            if case .object(let byReason)? = channel["failed"] {
                for (reason, value) in byReason.sorted(by: { $0.key < $1.key }) {
                    failed += value.intValue ?? 0
                    reasons.append("  \(channel["channel"]?.scalarText ?? "?"): \(reason) \(value.intValue ?? 0)")
                }
            }
            table.append([
                channel["channel"]?.scalarText ?? "?", String(count("accepted")), String(sent), share("delivered"),
                share("opened"), share("clicked"), String(failed), String(count("expired")),
                String(count("suppressed")),
                String(count("queued")),
            ])
        }
        print(table.render(), terminator: "")
        if !reasons.isEmpty { print("\nfailed by reason:\n" + reasons.joined(separator: "\n")) }
    }

    /// `count` as a percentage of `total`, one decimal.
    static func percent(_ count: Int, of total: Int) -> String {
        let tenths = (count * 1000 + total / 2) / total
        return "\(tenths / 10).\(tenths % 10)%"
    }
}
