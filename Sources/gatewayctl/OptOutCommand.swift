import ArgumentParser
import ControlProtocol
import GatewayJSON

/// `gatewayctl optout`: records that a customer or address said no to marketing on a channel (or all).
struct OptOutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optout",
        abstract: "Opt a customer or address out of marketing (logged in the consent log)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var subject: ConsentSubjectOptions
    @OptionGroup var change: ConsentChangeOptions

    func run() throws {
        try Self.change(optOut: true, global: global, subject: subject, options: change)
    }

    /// Sends `optout` or `optin` and prints the standing decision.
    static func change(
        optOut: Bool, global: GlobalOptions, subject: ConsentSubjectOptions, options: ConsentChangeOptions
    ) throws {
        let channel = options.channel
        let request = ConsentChangeRequest(
            subject: subject.subject, channel: channel, route: options.routeValue, evidence: options.evidence)
        let response = try ControlClient(options: global).call(optOut ? .optout(request) : .optin(request))
        if global.json {
            print(response.raw)
            return
        }
        let answer = ConsentChangeAnswer(json: response.value)
        let who =
            answer?.subjectKind == "customer"
            ? "customer \(answer?.subject ?? "-")" : "address \(subject.to ?? answer?.subject ?? "-")"
        let scope = answer?.channel ?? channel
        print(
            "\(who): \(optOut ? "opted out of" : "opted in to") marketing on \(scope == "all" ? "all channels" : scope)"
        )
    }
}
