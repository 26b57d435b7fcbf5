import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `pause` and `resume`: an instance stops starting transfers (Kannel's suspend) while it keeps taking messages;
/// the pause is kept in the store, so it outlives restarts and reloads until resumed.
enum PauseHandler {
    static func handle(
        _ request: PauseRequest, paused: Bool, id: JSONValue?, client: String, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let name = request.channel
        guard service.knowsInstance(name) else {
            respond(AnswerLine.error(id: id, .unknownChannel(name, field: "channel")))
            return
        }
        let dispatcher = service.dispatcher
        service.store.setPaused(name, paused: paused, client: client) { result in
            switch result {
            case .success:
                dispatcher.setPaused(name, paused)
                respond(PauseAnswer(channel: name, paused: paused).line(id: id))
            case .failure(let error):
                respond(AnswerLine.error(id: id, .internalError("not changed: \(error)")))
            }
        }
    }
}
