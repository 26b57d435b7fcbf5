import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `report`: per channel, what happened to the messages accepted since a time (24 hours by default); with
/// `strategy`, that strategy's funnel (`ReportHandler+Strategy.swift`).
enum ReportHandler {
    static func handle(
        _ request: ReportRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        if let strategy = request.strategy {
            handleStrategy(strategy, version: request.version, id: id, service: service, respond: respond)
            return
        }
        let now = service.wallClock.nowMilliseconds
        let since: Int64
        do throws(ControlError) {
            since = try request.since?.pastMilliseconds(field: "since", now: now) ?? now - 86_400_000
        } catch {
            respond(AnswerLine.error(id: id, error))
            return
        }
        // Aggregating can take a moment on a large store: off the event loop, on the bounded worker.
        let store = service.store
        service.reportWork.submit {
            let reports: [ChannelReport]
            do {
                reports = try store.report(since: since)
            } catch {
                respond(AnswerLine.error(id: id, .internalError("cannot build the report: \(error)")))
                return
            }
            let rows = reports.map { report in
                ReportAnswer.Row(
                    channel: report.channel, accepted: report.accepted, sent: report.sent,
                    delivered: report.delivered, opened: report.opened, clicked: report.clicked,
                    expired: report.expired, suppressed: report.suppressed, queued: report.queued,
                    failed: report.failedByReason)
            }
            respond(ReportAnswer(since: Timestamp.format(since), channels: rows).line(id: id))
        }
    }
}
