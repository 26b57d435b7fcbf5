import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `event`: an engagement or business event the bank saw itself (its app opened a push, a customer converted),
/// idempotent by the bank's event id.
enum EventHandler {
    static func handle(
        _ request: EventRequest, id: JSONValue?, client: String, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let occurredAt: Int64
        do throws(ControlError) {
            occurredAt =
                try request.at?.epochMilliseconds(key: "at", field: "at") ?? service.wallClock.nowMilliseconds
        } catch {
            respond(AnswerLine.error(id: id, error))
            return
        }
        // `EventRequest` refuses anything that is neither a built-in nor a valid custom name.
        let type = EngagementEvent.Kind(rawValue: request.type).flatMap { $0 == .custom ? nil : $0 } ?? .custom
        let event = EngagementEvent(
            eventID: request.eventID, messageID: request.messageID, customer: request.customer, type: type,
            value: request.valueText, occurredAt: occurredAt, client: client,
            customName: type == .custom ? request.type : nil, channelType: request.channelType)
        service.store.recordEvent(event) { result in
            switch result {
            case .success(.unknownMessage):
                respond(AnswerLine.error(id: id, .notFound(event.messageID ?? "")))
            case .success(let outcome):
                respond(EventAnswer(eventID: event.eventID, duplicate: outcome == .duplicate).line(id: id))
            case .failure(let error):
                respond(AnswerLine.error(id: id, .internalError("not recorded: \(error)")))
            }
        }
    }
}
