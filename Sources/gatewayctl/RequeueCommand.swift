import ArgumentParser
import GatewayJSON

/// `gatewayctl requeue NAME [--reason R] [--since T] [--until T] [--to-channel OTHER] [--queued] [--dry-run]`.
struct RequeueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue",
        abstract: "Send failed messages of an instance again, or move a held or paused instance's queue.",
        discussion: """
            Failed messages (optionally of one reason and time range) go to the end of the instance's queue, or \
            another instance's, with a fresh retry budget. With --queued, the queue of a held or paused instance \
            moves to --to-channel. --dry-run only counts.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The instance the messages are on.")
    var channel: String

    @Option(help: "Only failures of this reason (vendor_unavailable, throttled, auth_expired, …).")
    var reason: String?

    @Option(help: "Only messages that failed since then: \(SinceHelp.grammar).")
    var since: String?

    @Option(help: "Only messages that failed until then (same forms).")
    var until: String?

    @Option(help: "Put them on this instance (same channel type) instead.")
    var toChannel: String?

    @Flag(help: "Move the queued messages of a held or paused instance (needs --to-channel).")
    var queued = false

    @Flag(help: "Only count what would be requeued.")
    var dryRun = false

    func run() throws {
        var request: [String: JSONValue] = ["op": .string("requeue"), "channel": .string(channel)]
        if let reason { request["reason"] = .string(reason) }
        if let since { request["since"] = .string(since) }
        if let until { request["until"] = .string(until) }
        if let toChannel { request["to_channel"] = .string(toChannel) }
        if queued { request["queued"] = .bool(true) }
        if dryRun { request["dry_run"] = .bool(true) }
        let response = try ControlClient(options: global).call(.object(request))
        if global.json {
            print(response.raw)
        } else if dryRun {
            print("\(response.value["matched"]?.scalarText ?? "0") message(s) would be requeued")
        } else {
            print("\(response.value["requeued"]?.scalarText ?? "0") message(s) requeued")
        }
    }
}
