import ChannelKit

/// The `cancel` operation: a message still waiting (queued, deferred, waiting for a retry) never reaches the
/// vendor; one in flight or finished is answered `not_cancellable` with its state and why.
///
/// The dispatcher withdraws the message first (it may hold it in memory, ready to go) and keeps it out until the
/// store has committed the cancellation, so no send can slip between the two.
extension ControlService {
    func cancel(
        _ request: [String: JSONValue], id: JSONValue?, client: String, respond: @escaping @Sendable (String) -> Void
    ) {
        let messageID: String?
        let dedupKey: String?
        do throws(ControlError) {
            let fields = try RequestFields(request, allowed: ["message_id", "dedup_key"])
            messageID = try fields.text("message_id")
            dedupKey = try fields.text("dedup_key", limit: 512)
            guard (messageID == nil) != (dedupKey == nil) else {
                throw .badRequest("cancel needs exactly one of 'message_id' and 'dedup_key'", field: "message_id")
            }
        } catch {
            respond(ControlService.errorLine(id: id, error))
            return
        }
        let dispatcher = dispatcher
        let store = store
        store.locate(messageID: messageID, dedupKey: dedupKey) { result in
            let location: MessageLocation
            switch result {
            case .failure(let error):
                respond(ControlService.errorLine(id: id, .internalError("not cancelled: \(error)")))
                return
            case .success(nil):
                let error: ControlError =
                    messageID.map { .notFound($0) }
                    ?? .notFound(dedupKey ?? "", field: "dedup_key", what: "no message with dedup key")
                respond(ControlService.errorLine(id: id, error))
                return
            case .success(let found?):
                location = found
            }
            guard location.state == "queued" else {
                respond(ControlService.notCancellable(location, state: location.state, id: id))
                return
            }
            dispatcher.withdraw(location.sequence, channel: location.channel) { withdrawn in
                guard withdrawn else {
                    respond(ControlService.notCancellable(location, state: "in_flight", id: id))
                    return
                }
                store.cancel(location.sequence, client: client) { result in
                    let cancelled = (try? result.get()) == true
                    dispatcher.settleWithdrawal(location.sequence, cancelled: cancelled)
                    switch result {
                    case .success(true):
                        var line = "{\"ok\":true"
                        ControlService.appendID(id, to: &line)
                        line += ",\"message_id\":"
                        JSONValue.appendQuoted(location.messageID, to: &line)
                        line += ",\"state\":\"cancelled\"}"
                        respond(line)
                    case .success(false):
                        respond(ControlService.notCancellable(location, state: "finished", id: id))
                    case .failure(let error):
                        respond(ControlService.errorLine(id: id, .internalError("not cancelled: \(error)")))
                    }
                }
            }
        }
    }

    private static func notCancellable(_ location: MessageLocation, state: String, id: JSONValue?) -> String {
        let why =
            switch state {
            case "in_flight": "its request is with the vendor right now"
            case "sent", "delivered", "answered", "no_answer", "busy", "refused", "invalid_number":
                "it was already handed to the vendor"
            case "cancelled": "it was already cancelled"
            default: "it is no longer waiting to be sent"
            }
        return errorLine(id: id, .notCancellable(location.messageID, state: state, why: why))
    }
}
