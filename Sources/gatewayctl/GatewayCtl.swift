import ArgumentParser
import GatewayRelease

/// `gatewayctl`: the command-line client of gatewayd's control socket (docs/protocol.md).
@main
struct GatewayCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayctl",
        abstract: "Talk to the Channel Gateway daemon over its control socket.",
        version: GatewayRelease.version,
        subcommands: [
            SendCommand.self, StatusCommand.self, StatsCommand.self, ChannelsCommand.self, HealthCommand.self,
            ReloadCommand.self, OptOutCommand.self, OptInCommand.self, ConsentCommand.self, ReportCommand.self,
            TailCommand.self, CancelCommand.self, RequeueCommand.self, PauseCommand.self, ResumeCommand.self,
            CustomerCommand.self, CustomersCommand.self, StrategyCommand.self, NodesCommand.self,
        ]
    )

    /// Parses with global options allowed before the subcommand name, as in `gatewayctl --json stats`.
    static func main() {
        main(hoistingGlobalOptions(Array(CommandLine.arguments.dropFirst())))
    }

    /// Moves `--socket PATH`, `--socket=PATH` and `--json` found before the subcommand to just after it.
    ///
    /// ArgumentParser only accepts a subcommand's options after its name, and the global options live in
    /// each subcommand (so they also work after it).
    static func hoistingGlobalOptions(_ arguments: [String]) -> [String] {
        var leading: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--json" || argument.hasPrefix("--socket=") {
                leading.append(argument)
                index += 1
            } else if argument == "--socket", index + 1 < arguments.count {
                leading += [argument, arguments[index + 1]]
                index += 2
            } else {
                break
            }
        }
        guard !leading.isEmpty, index < arguments.count else { return arguments }
        // A nested subcommand (`consent export`) takes the options after its own name.
        var names = 1
        let nested = [
            "consent": ConsentCommand.configuration, "customer": CustomerCommand.configuration,
            "customers": CustomersCommand.configuration, "strategy": StrategyCommand.configuration,
            "report": ReportCommand.configuration,
        ]
        if let parent = nested[arguments[index]], index + 1 < arguments.count,
            parent.subcommands.contains(where: { $0.configuration.commandName == arguments[index + 1] })
        {
            names = 2
        }
        return Array(arguments[index..<(index + names)]) + leading + arguments[(index + names)...]
    }
}
