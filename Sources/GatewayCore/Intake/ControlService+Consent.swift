import ChannelKit
import GatewayConfig
import Synchronization

/// The consent operations: `optout`, `optin` and `consent` (the registry and its log, for audits).
extension ControlService {
    private static let consentFields: Set<String> = ["op", "id", "customer", "to", "channel", "route", "evidence"]

    /// Reads whom a consent request is about: `customer` or `to`, exactly one.
    private func subject(_ request: [String: JSONValue]) throws(ControlError) -> ConsentChange.Subject {
        var found: [ConsentChange.Subject] = []
        for key in ["customer", "to"] {
            guard let value = request[key], value != .null else { continue }
            guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= 512 else {
                throw .badRequest("'\(key)' must be a non-empty string of at most 512 bytes", field: key)
            }
            found.append(key == "customer" ? .customer(text) : .address(text))
        }
        guard found.count == 1 else {
            throw .badRequest("name exactly one of 'customer' or 'to'", field: found.isEmpty ? "customer" : "to")
        }
        return found[0]
    }

    /// Reads `channel`: `all` (the default), a channel type, or an instance name (meaning its type).
    private func channelScope(_ request: [String: JSONValue]) throws(ControlError) -> String {
        guard let value = request["channel"], value != .null else { return "*" }
        guard case .string(let name) = value else {
            throw .badRequest("'channel' must be a string", field: "channel")
        }
        if name == "all" || name == "*" { return "*" }
        if channelTypes.contains(name) { return name }
        if let instance = table.withLock({ $0.known[name] }) { return instance.kind }
        throw .badRequest(
            "'channel' must be all, a channel type (\(channelTypes.sorted().joined(separator: ", "))) or an instance",
            field: "channel")
    }

    func changeConsent(
        _ request: [String: JSONValue], optOut: Bool, id: JSONValue?, client: String,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let change: ConsentChange
        do throws(ControlError) {
            for key in request.keys where !Self.consentFields.contains(key) {
                throw .badRequest("unknown field '\(key)'", field: key)
            }
            var route = ConsentChange.Route.api
            if let value = request["route"], value != .null {
                // Replies and call results come from vendors' callbacks; a client may only say api or import.
                guard case .string(let name) = value, let parsed = ConsentChange.Route(rawValue: name),
                    parsed == .api || parsed == .import
                else { throw .badRequest("'route' must be api or import", field: "route") }
                route = parsed
            }
            var evidence: String?
            if let value = request["evidence"], value != .null {
                guard case .string(let text) = value, text.utf8.count <= 1024 else {
                    throw .badRequest("'evidence' must be a string of at most 1024 bytes", field: "evidence")
                }
                evidence = text
            }
            change = ConsentChange(
                subject: try subject(request), channel: try channelScope(request), optOut: optOut, route: route,
                evidence: evidence, client: client)
        } catch {
            respond(ControlService.errorLine(id: id, error))
            return
        }
        store.changeConsent([change]) { result in
            switch result {
            case .success:
                var line = "{\"ok\":true"
                ControlService.appendID(id, to: &line)
                line += ",\"\(change.subject.kind)\":"
                JSONValue.appendQuoted(change.subject.text, to: &line)
                line += ",\"channel\":"
                JSONValue.appendQuoted(change.channel == "*" ? "all" : change.channel, to: &line)
                line += ",\"state\":\"\(optOut ? "opted_out" : "opted_in")\"}"
                respond(line)
            case .failure(let error):
                respond(ControlService.errorLine(id: id, .internalError("not recorded: \(error)")))
            }
        }
    }

    func consent(_ request: [String: JSONValue], id: JSONValue?, respond: @escaping @Sendable (String) -> Void) {
        let who: ConsentChange.Subject
        do throws(ControlError) {
            for key in request.keys where !["op", "id", "customer", "to"].contains(key) {
                throw .badRequest("unknown field '\(key)'", field: key)
            }
            who = try subject(request)
        } catch {
            respond(ControlService.errorLine(id: id, error))
            return
        }
        store.consent(of: who) { result in
            switch result {
            case .success(let report):
                var line = "{\"ok\":true"
                ControlService.appendID(id, to: &line)
                line += ",\"\(who.kind)\":"
                JSONValue.appendQuoted(who.text, to: &line)
                line += ",\"opted_out\":"
                JSONValue.array(report.optedOut.map { .string($0 == "*" ? "all" : $0) }).write(to: &line)
                line += ",\"log\":["
                for (offset, entry) in report.entries.enumerated() {
                    if offset > 0 { line += "," }
                    ControlService.appendConsentEntry(entry, to: &line)
                }
                line += "]}"
                respond(line)
            case .failure(let error):
                respond(ControlService.errorLine(id: id, .internalError("cannot read consent: \(error)")))
            }
        }
    }

    /// One consent log entry as a JSON object (`consent` and `consent_export`).
    static func appendConsentEntry(_ entry: ConsentReport.Entry, to line: inout String) {
        let fields: [(String, String?)] = [
            ("subject_kind", entry.subjectKind), ("subject", entry.subject),
            ("channel", entry.channel == "*" ? "all" : entry.channel), ("action", entry.action),
            ("route", entry.route), ("evidence", entry.evidence), ("client", entry.client),
            ("at", Timestamp.format(entry.at)),
        ]
        line += "{\"seq\":\(entry.sequence)"
        for (name, value) in fields {
            line += ",\"\(name)\":"
            if let value { JSONValue.appendQuoted(value, to: &line) } else { line += "null" }
        }
        line += "}"
    }
}
