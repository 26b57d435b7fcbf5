import ArgumentParser

/// `gatewayctl optin`: records that a customer or address agreed to marketing again on a channel (or all).
struct OptInCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optin",
        abstract: "Opt a customer or address back in to marketing (logged in the consent log)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var subject: ConsentSubjectOptions

    @Option(name: .long, help: "all, a channel type (sms, wecom, …) or an instance name (meaning its type).")
    var channel = "all"

    @Option(name: .long, help: "How the decision arrived: api or import.")
    var route = "api"

    @Option(name: .long, help: "Evidence to keep with it: a signed form's reference, a ticket number.")
    var evidence: String?

    func run() throws {
        try OptOutCommand.change(
            optOut: false, global: global, subject: subject, channel: channel, route: route, evidence: evidence)
    }
}
