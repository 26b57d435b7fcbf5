import ArgumentParser
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
        let response = try client.call(.object(["op": .string("reload")]))
        if global.json {
            print(response.raw)
            return
        }
        func names(_ key: String) -> String {
            guard case .array(let items)? = response.value[key], !items.isEmpty else { return "-" }
            return items.compactMap(\.scalarText).joined(separator: ", ")
        }
        print("reloaded")
        print("added:   \(names("added"))")
        print("changed: \(names("changed"))")
        print("removed: \(names("removed")) (queued messages held)")
        if case .array(let warnings)? = response.value["warnings"] {
            for warning in warnings.compactMap(\.scalarText) { print("warning: \(warning)") }
        }
    }
}
