import ArgumentParser
import ChannelKit

/// `gatewayctl optout`: records that a customer or address said no to marketing on a channel (or all).
struct OptOutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optout",
        abstract: "Opt a customer or address out of marketing (logged in the consent log)."
    )

    @OptionGroup var global: GlobalOptions
    @OptionGroup var subject: ConsentSubjectOptions

    @Option(name: .long, help: "all, a channel type (sms, wecom, …) or an instance name (meaning its type).")
    var channel = "all"

    @Option(name: .long, help: "How the decision arrived: api or import.")
    var route = "api"

    @Option(name: .long, help: "Evidence to keep with it: a ticket number, a call id.")
    var evidence: String?

    func run() throws {
        try Self.change(
            optOut: true, global: global, subject: subject, channel: channel, route: route, evidence: evidence)
    }

    /// Sends `optout` or `optin` and prints the standing decision.
    static func change(
        optOut: Bool, global: GlobalOptions, subject: ConsentSubjectOptions, channel: String, route: String,
        evidence: String?
    ) throws {
        var request = subject.fields
        request["op"] = .string(optOut ? "optout" : "optin")
        request["channel"] = .string(channel)
        request["route"] = .string(route)
        if let evidence { request["evidence"] = .string(evidence) }
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
