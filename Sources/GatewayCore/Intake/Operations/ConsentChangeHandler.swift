import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `optout` and `optin`: a marketing decision, answered once it is committed to the consent log.
enum ConsentChangeHandler {
    static func handle(
        _ request: ConsentChangeRequest, optOut: Bool, id: JSONValue?, client: String, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let scope: String
        do throws(ControlError) {
            scope = try channelScope(request.channel, service: service)
        } catch {
            respond(AnswerLine.error(id: id, error))
            return
        }
        let change = ConsentChange(
            subject: ConsentHandler.subject(request.subject), channel: scope, optOut: optOut,
            route: request.route == .import ? .import : .api, evidence: request.evidence, client: client)
        service.store.changeConsent([change]) { result in
            switch result {
            case .success:
                let answer = ConsentChangeAnswer(
                    subjectKind: change.subject.kind.rawValue, subject: change.subject.text,
                    channel: change.channel == "*" ? "all" : change.channel, optedOut: optOut)
                respond(answer.line(id: id))
            case .failure(let error):
                respond(AnswerLine.error(id: id, .internalError("not recorded: \(error)")))
            }
        }
    }

    /// `channel` as the registry keys it: `*` for all (the default), a channel type, or an instance's type.
    private static func channelScope(_ name: String?, service: ControlService) throws(ControlError) -> String {
        guard let name else { return "*" }
        if name == "all" || name == "*" { return "*" }
        if service.channelTypes.contains(name) { return name }
        if let kind = service.instanceKind(name) { return kind }
        throw .badRequest(
            "'channel' must be all, a channel type (\(service.channelTypes.sorted().joined(separator: ", "))) or an instance",
            field: "channel")
    }
}
