import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl health`: whether the daemon is serving; exits 1 while it drains.
struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Show whether gatewayd is serving.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let client = try ControlClient(options: global)
        let response = try client.call(.health)
        let health = HealthAnswer(json: response.value)
        let status = health?.status ?? "unknown"
        if global.json {
            print(response.raw)
        } else {
            let version = health.map { " (version \($0.version))" } ?? ""
            var notes: [String] = []
            for (key, names) in [("degraded", health?.degraded ?? []), ("paused", health?.paused ?? [])]
            where !names.isEmpty {
                notes.append("\(key): " + names.joined(separator: ", "))
            }
            // Strategies only when configured: `starting` until their timers are read (runs do not fire yet).
            if let strategies = health?.strategies { notes.append("strategies: " + strategies) }
            print(status + version + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
        }
        if status != "serving" { throw ExitCode.failure }
    }
}
