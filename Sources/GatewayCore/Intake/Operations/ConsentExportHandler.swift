import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `consent_export`: the whole consent log, for an auditor, a page at a time (`gatewayctl consent export --all`
/// follows `next_after` until `more` is false), optionally only entries since a time.
enum ConsentExportHandler {
    static func handle(
        _ request: ConsentExportRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let since: Int64?
        do throws(ControlError) {
            since = try request.since?.pastMilliseconds(field: "since", now: service.wallClock.nowMilliseconds)
        } catch {
            respond(AnswerLine.error(id: id, error))
            return
        }
        let after = request.after
        let limit = request.limit
        service.store.consentLog(after: after, since: since, limit: limit) { result in
            switch result {
            case .success(let entries):
                let answer = ConsentExportAnswer(
                    entries: entries.map(ConsentHandler.logEntry), nextAfter: entries.last?.sequence ?? after,
                    more: entries.count == limit)
                respond(answer.line(id: id))
            case .failure(let error):
                respond(AnswerLine.error(id: id, .internalError("\(error)")))
            }
        }
    }
}
