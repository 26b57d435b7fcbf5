import ArgumentParser
import GatewayJSON

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
            var notes: [String] = []
            for key in ["degraded", "paused"] {
                guard case .array(let names)? = response.value[key], !names.isEmpty else { continue }
                notes.append("\(key): " + names.compactMap(\.scalarText).joined(separator: ", "))
            }
            print(status + version + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
        }
        if status != "serving" { throw ExitCode.failure }
    }
}
