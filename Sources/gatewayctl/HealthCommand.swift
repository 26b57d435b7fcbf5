import ArgumentParser
import ChannelKit

/// `gatewayctl health`: whether the daemon is serving; exits 1 while it drains.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Show whether gatewayd is serving.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let client = try ControlClient(options: global)
        let response = try client.call(.object(["op": .string("health")]))
        let status = response.value["status"]?.scalarText ?? "unknown"
        if global.json {
            print(response.raw)
        } else {
            let version = response.value["version"]?.scalarText.map { " (version \($0))" } ?? ""
            print(status + version)
        }
        if status != "serving" { throw ExitCode.failure }
    }
}
