import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `cancel`: a message still waiting (queued, deferred, waiting for a retry) never reaches the vendor; one in
/// flight or finished is answered `not_cancellable` with its state and why.
///
/// The dispatcher withdraws the message first (it may hold it in memory, ready to go) and keeps it out until the
/// store has committed the cancellation, so no send can slip between the two.
enum CancelHandler {
    static func handle(
        _ request: CancelRequest, id: JSONValue?, client: String, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        var messageID: String?
        var dedupKey: String?
        switch request.target {
        case .messageID(let value): messageID = value
        case .dedupKey(let value): dedupKey = value
        }
        let dispatcher = service.dispatcher
        let store = service.store
        store.locate(messageID: messageID, dedupKey: dedupKey) { [messageID, dedupKey] result in
            let location: MessageLocation
            switch result {
            case .failure(let error):
                respond(AnswerLine.error(id: id, .internalError("not cancelled: \(error)")))
                return
            case .success(nil):
                let error: ControlError =
                    messageID.map { .notFound($0) }
                    ?? .notFound(dedupKey ?? "", field: "dedup_key", what: "no message with dedup key")
                respond(AnswerLine.error(id: id, error))
                return
            case .success(let found?):
                location = found
            }
            guard location.state == .queued else {
                respond(notCancellable(location, state: location.state.rawValue, id: id))
                return
            }
            dispatcher.withdraw(location.sequence, channel: location.channel) { withdrawn in
                guard withdrawn else {
                    respond(notCancellable(location, state: "in_flight", id: id))
                    return
                }
                store.cancel(location.sequence, client: client) { result in
                    let cancelled = (try? result.get()) == true
                    dispatcher.settleWithdrawal(location.sequence, cancelled: cancelled)
                    switch result {
                    case .success(true):
                        respond(CancelAnswer(messageID: location.messageID).line(id: id))
                    case .success(false):
                        respond(notCancellable(location, state: "finished", id: id))
                    case .failure(let error):
                        respond(AnswerLine.error(id: id, .internalError("not cancelled: \(error)")))
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
        return AnswerLine.error(id: id, .notCancellable(location.messageID, state: state, why: why))
    }
}
