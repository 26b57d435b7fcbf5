import ArgumentParser

/// `gatewayctl optin`: records that a customer or address agreed to marketing again on a channel (or all).
struct OptInCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optin",
        abstract: "Opt a customer or address back in to marketing (logged in the consent log)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var subject: ConsentSubjectOptions
    @OptionGroup var change: ConsentChangeOptions

    func run() throws {
        try OptOutCommand.change(optOut: false, global: global, subject: subject, options: change)
    }
}
