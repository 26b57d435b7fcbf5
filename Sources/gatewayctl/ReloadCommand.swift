import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl reload`: load the configuration again and swap it in only if all of it is valid.
struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Reload gateway.yaml and channels.d; on any error the running configuration stays."
    )

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let client = try ControlClient(options: global)
        let response = try client.call(.reload)
        guard !global.json, let answer = ReloadAnswer(json: response.value) else {
            print(response.raw)
            return
        }
        func names(_ list: [String]) -> String { list.isEmpty ? "-" : list.joined(separator: ", ") }
        print("reloaded")
        print("added:   \(names(answer.added))")
        print("changed: \(names(answer.changed))")
        print("removed: \(names(answer.removed)) (queued messages held)")
        for warning in answer.warnings { print("warning: \(warning)") }
    }
}
