import ChannelKit
import ControlProtocol
import GatewayStore
import Synchronization

/// `enrol_batch`: up to 10,000 customers into one strategy in one store call (one or a few commits); each gets
/// its own answer or error, in request order.
enum EnrolBatchHandler {
    static func handle(
        _ request: EnrolBatchRequest, id: JSONValue?, client: String, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        guard !service.isDraining.load(ordering: .relaxed) else {
            respond(AnswerLine.error(id: id, .shuttingDown))
            return
        }
        let now = service.wallClock.nowMilliseconds
        let batchStart: Int64?
        do throws(ControlError) {
            batchStart = try request.startAt.map { input throws(ControlError) in
                try EnrolHandler.startTime(input, field: "start_at", now: now)
            }
        } catch {
            respond(AnswerLine.error(id: id, error))
            return
        }
        var slots: [Result<Int, ControlError>] = []
        slots.reserveCapacity(request.enrolments.count)
        var enrolments: [Enrolment] = []
        enrolments.reserveCapacity(request.enrolments.count)
        for (index, item) in request.enrolments.enumerated() {
            do throws(ControlError) {
                let enrolment = try EnrolHandler.enrolment(
                    item.get(), prefix: "customers[\(index)].", now: now, client: client, defaultStart: batchStart)
                slots.append(.success(enrolments.count))
                enrolments.append(enrolment)
            } catch {
                slots.append(.failure(error))
            }
        }
        let answered = slots
        let strategy = request.strategy
        let finish: @Sendable ([EnrolResult]) -> Void = { [enrolments = service.enrolments] results in
            enrolments.count(strategy: strategy, results)
            // Every item names the same strategy: an unknown one is the request's error, not 10,000 slots'.
            if results.contains(where: { if case .refused(.unknownStrategy) = $0 { true } else { false } }) {
                respond(AnswerLine.error(id: id, EnrolHandler.unknownStrategy(strategy)))
                return
            }
            let answer = EnrolBatchAnswer(
                results: answered.map { slot in
                    slot.flatMap { index in
                        EnrolHandler.answer(
                            index < results.count ? results[index] : .failed(.closed), strategy: strategy)
                    }
                })
            respond(answer.line(id: id))
        }
        guard !enrolments.isEmpty else {
            finish([])
            return
        }
        if !service.store.enrol(enrolments, completion: finish) {
            respond(AnswerLine.error(id: id, .overloaded))
        }
    }
}
