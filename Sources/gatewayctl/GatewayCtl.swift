import ArgumentParser

/// `gatewayctl`: the command-line client of gatewayd's control socket (docs/protocol.md).
@main
struct GatewayCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayctl",
        abstract: "Talk to the Channel Gateway daemon over its control socket.",
        subcommands: [
            SendCommand.self, StatusCommand.self, StatsCommand.self, ChannelsCommand.self, HealthCommand.self,
        ]
    )
}
