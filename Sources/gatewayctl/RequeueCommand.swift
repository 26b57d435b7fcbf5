import ArgumentParser
import ControlProtocol
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
        let request = RequeueRequest(
            channel: channel, reason: reason, since: since.map(TimeInput.text), until: until.map(TimeInput.text),
            toChannel: toChannel, queued: queued, dryRun: dryRun)
        let response = try ControlClient(options: global).call(.requeue(request))
        let count = RequeueAnswer(json: response.value)?.count ?? 0
        if global.json {
            print(response.raw)
        } else if dryRun {
            print("\(count) message(s) would be requeued")
        } else {
            print("\(count) message(s) requeued")
        }
    }
}
