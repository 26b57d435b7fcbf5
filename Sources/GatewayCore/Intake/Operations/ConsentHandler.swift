import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `consent`: a subject's standing opt-outs and its consent log, for audits.
enum ConsentHandler {
    static func handle(
        _ request: ConsentRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let who = subject(request.subject)
        service.store.consent(of: who) { result in
            switch result {
            case .success(let report):
                let answer = ConsentAnswer(
                    subjectKind: who.kind.rawValue, subject: who.text,
                    optedOut: report.optedOut.map { $0 == "*" ? "all" : $0 },
                    log: report.entries.map(logEntry))
                respond(answer.line(id: id))
            case .failure(let error):
                respond(AnswerLine.error(id: id, .internalError("cannot read consent: \(error)")))
            }
        }
    }

    /// The registry's subject of a request's.
    static func subject(_ subject: ConsentSubject) -> ConsentChange.Subject {
        switch subject {
        case .customer(let id): .customer(id)
        case .address(let address): .address(address)
        }
    }

    /// A consent log entry as `consent` and `consent_export` show it (`*` is `all`).
    static func logEntry(_ entry: ConsentReport.Entry) -> ConsentLogEntry {
        ConsentLogEntry(
            seq: entry.sequence, subjectKind: entry.subjectKind.rawValue, subject: entry.subject,
            channel: entry.channel == "*" ? "all" : entry.channel, action: entry.action.rawValue,
            route: entry.route.rawValue, evidence: entry.evidence, client: entry.client, at: Timestamp.format(entry.at))
    }
}
