import ChannelKit

/// The `event` operation: an engagement or business event the bank saw itself (its app opened a push, a
/// customer converted), idempotent by the bank's event id.
extension ControlService {
    private static let eventFields: Set<String> = [
        "op", "id", "event_id", "message_id", "customer", "type", "value", "at",
    ]

    func event(
        _ request: [String: JSONValue], id: JSONValue?, client: String, respond: @escaping @Sendable (String) -> Void
    ) {
        let event: EngagementEvent
        do throws(ControlError) {
            event = try engagementEvent(request, client: client)
        } catch {
            respond(ControlService.errorLine(id: id, error))
            return
        }
        store.recordEvent(event) { result in
            switch result {
            case .success(.unknownMessage):
                respond(ControlService.errorLine(id: id, .notFound(event.messageID ?? "")))
            case .success(let outcome):
                var line = "{\"ok\":true"
                ControlService.appendID(id, to: &line)
                line += ",\"event_id\":"
                JSONValue.appendQuoted(event.eventID, to: &line)
                line += ",\"state\":\"\(outcome == .duplicate ? "duplicate" : "recorded")\"}"
                respond(line)
            case .failure(let error):
                respond(ControlService.errorLine(id: id, .internalError("not recorded: \(error)")))
            }
        }
    }

    private func engagementEvent(_ request: [String: JSONValue], client: String) throws(ControlError)
        -> EngagementEvent
    {
        for key in request.keys where !Self.eventFields.contains(key) {
            throw .badRequest("unknown field '\(key)'", field: key)
        }
        func text(_ key: String, limit: Int = 256) throws(ControlError) -> String? {
            guard let value = request[key], value != .null else { return nil }
            guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= limit else {
                throw .badRequest("'\(key)' must be a non-empty string of at most \(limit) bytes", field: key)
            }
            return text
        }
        guard let eventID = try text("event_id") else {
            throw .badRequest("missing field 'event_id'", field: "event_id")
        }
        let messageID = try text("message_id")
        let customer = try text("customer")
        guard messageID != nil || customer != nil else {
            throw .badRequest("an event needs 'message_id' or 'customer'", field: "message_id")
        }
        guard let type = try text("type"), EngagementEvent.types.contains(type) else {
            throw .badRequest("'type' must be opened, clicked or converted", field: "type")
        }
        var value: String?
        switch request["value"] {
        case nil, .null?: value = nil
        case .number(let number)?: value = number
        case .string(let text)? where text.utf8.count <= 256: value = text
        default: throw .badRequest("'value' must be a number or a short string", field: "value")
        }
        let occurredAt = try time(request["at"], key: "at", field: "at") ?? wallClock.nowMilliseconds
        return EngagementEvent(
            eventID: eventID, messageID: messageID, customer: customer, type: type, value: value,
            occurredAt: occurredAt, client: client)
    }
}
