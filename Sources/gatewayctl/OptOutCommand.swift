import ArgumentParser
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
        var request = subject.fields
        request["op"] = .string(optOut ? "optout" : "optin")
        request["channel"] = .string(channel)
        request["route"] = .string(options.route)
        if let evidence = options.evidence { request["evidence"] = .string(evidence) }
        let response = try ControlClient(options: global).call(.object(request))
        if global.json {
            print(response.raw)
            return
        }
        let who =
            response.value["customer"]?.scalarText.map { "customer \($0)" }
            ?? "address \(response.value["to"]?.scalarText ?? subject.to ?? "-")"
        let scope = response.value["channel"]?.scalarText ?? channel
        print(
            "\(who): \(optOut ? "opted out of" : "opted in to") marketing on \(scope == "all" ? "all channels" : scope)"
        )
    }
}
