import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl cancel ID` or `--dedup-key KEY`: a message still waiting never reaches the vendor.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a queued, deferred or retry-waiting message (by id or dedup key).",
        discussion: "A message in flight or finished is not cancelled; the answer says its state and why (exit 1)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The message id (m…).")
    var messageID: String?

    @Option(name: .long, help: "The dedup key the message was sent with, instead of its id.")
    var dedupKey: String?

    func validate() throws {
        guard (messageID == nil) != (dedupKey == nil) else {
            throw ValidationError("name exactly one of a message id or --dedup-key")
        }
    }

    func run() throws {
        let target: CancelRequest.Target = messageID.map { .messageID($0) } ?? .dedupKey(dedupKey ?? "")
        let response = try ControlClient(options: global).call(.cancel(CancelRequest(target)))
        if global.json {
            print(response.raw)
        } else {
            print("\(CancelAnswer(json: response.value)?.messageID ?? messageID ?? "") cancelled")
        }
    }
}
