import ChannelKit

/// `consent_export`: the whole consent log, for an auditor, a page at a time (`gatewayctl consent export --all`
/// follows `next_after` until `more` is false), optionally only entries since a time.
extension ControlService {
    func consentExport(
        _ request: [String: JSONValue], id: JSONValue?, respond: @escaping @Sendable (String) -> Void
    ) {
        let after: Int64
        let since: Int64?
        let limit: Int
        do throws(ControlError) {
            let fields = try RequestFields(request, allowed: ["after", "since", "limit"])
            after = try fields.integer("after", in: 0...Int64.max) ?? 0
            limit = Int(try fields.integer("limit", in: 1...10_000) ?? 1_000)
            since = try PastTime.read(request["since"], field: "since", now: wallClock.nowMilliseconds)
        } catch {
            respond(ControlService.errorLine(id: id, error))
            return
        }
        store.consentLog(after: after, since: since, limit: limit) { result in
            switch result {
            case .success(let entries):
                var line = "{\"ok\":true"
                ControlService.appendID(id, to: &line)
                line += ",\"entries\":["
                for (offset, entry) in entries.enumerated() {
                    if offset > 0 { line += "," }
                    ControlService.appendConsentEntry(entry, to: &line)
                }
                line += "],\"next_after\":\(entries.last?.sequence ?? after),\"more\":\(entries.count == limit)}"
                respond(line)
            case .failure(let error):
                respond(ControlService.errorLine(id: id, .internalError("\(error)")))
            }
        }
    }
}
