import ChannelKit
import ControlProtocol
import GatewayStore
import Synchronization

/// `forget`: a customer erased under PIPL, answered once committed.
enum ForgetHandler {
    static func handle(
        _ request: ForgetRequest, id: JSONValue?, client: String, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        var forget = CustomerForget(
            id: request.customer, reference: request.reference, client: client,
            pseudonymKey: service.pseudonymKey.withLock { $0 }, at: service.wallClock.nowMilliseconds)
        forget.progressOnly = request.progress
        service.store.forget(forget) { result in
            switch result {
            case .success(let erased):
                let answer = ForgetAnswer(
                    customerHash: erased.customerHash, known: erased.known, runs: erased.runs,
                    messages: erased.messages, addresses: erased.addresses, tags: erased.tags, scores: erased.scores,
                    sweep: erased.sweep.rawValue, progress: erased.progress)
                respond(answer.line(id: id))
            case .failure(let error):
                respond(AnswerLine.error(id: id, .internalError("not forgotten: \(error)")))
            }
        }
    }
}
