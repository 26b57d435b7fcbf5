import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl pause NAME` / `resume NAME`: an instance stops (or starts again) sending; kept across restarts.
struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause an instance: it keeps taking messages but sends none until resumed (kept across restarts)."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The instance name.")
    var channel: String

    func run() throws { try Self.change(channel, paused: true, global: global) }

    static func change(_ channel: String, paused: Bool, global: GlobalOptions) throws {
        let request = PauseRequest(channel: channel)
        let response = try ControlClient(options: global).call(paused ? .pause(request) : .resume(request))
        print(global.json ? response.raw : "\(channel) \(paused ? "paused" : "resumed")")
    }
}

/// `gatewayctl resume NAME`.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume a paused instance.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The instance name.")
    var channel: String

    func run() throws { try PauseCommand.change(channel, paused: false, global: global) }
}
