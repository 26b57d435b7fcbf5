import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `send_batch`: many messages in one group commit; each gets its own answer or error, in request order.
enum SendBatchHandler {
    static func handle(
        _ request: SendBatchRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        guard !service.isDraining.load(ordering: .relaxed) else {
            respond(AnswerLine.error(id: id, .shuttingDown))
            return
        }
        let now = service.wallClock.nowMilliseconds
        var slots: [Result<Int, ControlError>] = []
        slots.reserveCapacity(request.messages.count)
        var accepts: [AcceptRequest] = []
        for (index, message) in request.messages.enumerated() {
            do throws(ControlError) {
                let send = try message.get()
                let accept = try service.validator.validate(
                    send, prefix: "messages[\(index)].", now: now, service: service)
                slots.append(.success(accepts.count))
                accepts.append(accept)
            } catch {
                slots.append(.failure(error))
            }
        }
        let answered = slots
        let counters = service.counters
        counters.rejected.add(slots.count - accepts.count, ordering: .relaxed)
        let finish: @Sendable ([AcceptResult]) -> Void = { results in
            let answer = SendBatchAnswer(
                results: answered.map { slot in
                    slot.flatMap { index in SendHandler.outcome(results[index], counters: counters) }
                })
            respond(answer.line(id: id))
        }
        guard !accepts.isEmpty else {
            finish([])
            return
        }
        if !service.store.accept(accepts, completion: finish) {
            counters.rejected.add(accepts.count, ordering: .relaxed)
            respond(AnswerLine.error(id: id, .overloaded))
        }
    }
}
