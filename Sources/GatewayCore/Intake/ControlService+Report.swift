import ChannelKit
import Foundation

/// The `report` operation: per channel, what happened to the messages accepted since a time.
extension ControlService {
    func report(_ request: [String: JSONValue], id: JSONValue?, respond: @escaping @Sendable (String) -> Void) {
        for key in request.keys where !["op", "id", "since"].contains(key) {
            respond(ControlService.errorLine(id: id, .badRequest("unknown field '\(key)'", field: key)))
            return
        }
        let now = wallClock.nowMilliseconds
        var since = now - 86_400_000
        do throws(ControlError) {
            if let time = try PastTime.read(request["since"], field: "since", now: now) { since = time }
        } catch {
            respond(ControlService.errorLine(id: id, error))
            return
        }
        // Aggregating can take a moment on a large store: off the event loop, on its own connection.
        let from = since
        Thread.detachNewThread { [store] in
            let reports: [ChannelReport]
            do {
                reports = try store.report(since: from)
            } catch {
                respond(ControlService.errorLine(id: id, .internalError("cannot build the report: \(error)")))
                return
            }
            var line = "{\"ok\":true"
            ControlService.appendID(id, to: &line)
            line += ",\"since\":\"\(Timestamp.format(from))\",\"channels\":["
            for (offset, report) in reports.enumerated() {
                if offset > 0 { line += "," }
                line += "{\"channel\":"
                JSONValue.appendQuoted(report.channel, to: &line)
                line += ",\"accepted\":\(report.accepted),\"sent\":\(report.sent),\"delivered\":\(report.delivered)"
                line += ",\"opened\":\(report.opened),\"clicked\":\(report.clicked),\"expired\":\(report.expired)"
                line += ",\"suppressed\":\(report.suppressed),\"queued\":\(report.queued),\"failed\":"
                JSONValue.object(report.failedByReason.mapValues { .number(String($0)) }).write(to: &line)
                line += "}"
            }
            line += "]}"
            respond(line)
        }
    }
}
