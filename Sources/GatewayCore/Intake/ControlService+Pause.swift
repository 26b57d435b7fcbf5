import ChannelKit

/// `pause` and `resume`: an instance stops starting transfers (Kannel's suspend) while it keeps taking messages;
/// the pause is kept in the store, so it outlives restarts and reloads until resumed.
extension ControlService {
    func pause(
        _ request: [String: JSONValue], paused: Bool, id: JSONValue?, client: String,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let name: String
        do throws(ControlError) {
            let fields = try RequestFields(request, allowed: ["channel"])
            guard let channel = try fields.text("channel") else {
                throw .badRequest("missing field 'channel'", field: "channel")
            }
            guard knowsInstance(channel) else { throw .unknownChannel(channel, field: "channel") }
            name = channel
        } catch {
            respond(ControlService.errorLine(id: id, error))
            return
        }
        let dispatcher = dispatcher
        store.setPaused(name, paused: paused, client: client) { result in
            switch result {
            case .success:
                dispatcher.setPaused(name, paused)
                var line = "{\"ok\":true"
                ControlService.appendID(id, to: &line)
                line += ",\"channel\":"
                JSONValue.appendQuoted(name, to: &line)
                line += ",\"paused\":\(paused)}"
                respond(line)
            case .failure(let error):
                respond(ControlService.errorLine(id: id, .internalError("not changed: \(error)")))
            }
        }
    }
}

extension ControlService {
    /// An instance's vendor health as `channels` fields.
    static func appendVendorHealth(_ health: VendorHealth, to line: inout String) {
        line += ",\"consecutive_failures\":\(health.consecutiveFailures),\"last_error\":"
        if let error = health.lastError { JSONValue.appendQuoted(error, to: &line) } else { line += "null" }
        for (name, time) in [
            ("last_error_at", health.lastErrorAt), ("last_success_at", health.lastSuccessAt),
            ("failing_since", health.failingSince),
        ] {
            line += ",\"\(name)\":"
            if let time { line += "\"\(Timestamp.format(time))\"" } else { line += "null" }
        }
    }
}
