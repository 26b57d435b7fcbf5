import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `reload`: the gateway's own reload (also SIGHUP's), on the bounded worker: loading YAML and building
/// adapters must not hold up the event loop.
enum ReloadHandler {
    static func handle(id: JSONValue?, service: ControlService, respond: @escaping @Sendable (String) -> Void) {
        guard let reload = service.reloader.function else {
            respond(AnswerLine.error(id: id, .internalError("reload is not available")))
            return
        }
        service.reloadWork.submit {
            let outcome = reload()
            guard outcome.succeeded else {
                respond(AnswerLine.error(id: id, .reloadFailed(outcome.issues)))
                return
            }
            let answer = ReloadAnswer(
                added: outcome.added, changed: outcome.changed, removed: outcome.removed, warnings: outcome.issues)
            respond(answer.line(id: id))
        }
    }
}
