import ChannelKit
import ControlProtocol
import GatewayStore
import Synchronization

/// `enrol`: one customer into a strategy, answered once the run (or the refusal) is committed.
enum EnrolHandler {
    /// The furthest a `start_at` may lie ahead: as far as the longest `wait` (design §9).
    static let maxStartAhead: Int64 = 400 * 86_400_000

    static func handle(
        _ request: EnrolRequest, id: JSONValue?, client: String, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        guard !service.isDraining.load(ordering: .relaxed) else {
            respond(AnswerLine.error(id: id, .shuttingDown))
            return
        }
        let enrolment: Enrolment
        do throws(ControlError) {
            enrolment = try self.enrolment(
                request, prefix: "", now: service.wallClock.nowMilliseconds, client: client)
        } catch {
            respond(AnswerLine.error(id: id, error))
            return
        }
        let queued = service.store.enrol([enrolment]) { [enrolments = service.enrolments] results in
            enrolments.count(strategy: enrolment.strategy, results)
            switch answer(results.first ?? .failed(.closed), strategy: enrolment.strategy) {
            case .success(let answer): respond(answer.line(id: id))
            case .failure(let error): respond(AnswerLine.error(id: id, error))
            }
        }
        if !queued { respond(AnswerLine.error(id: id, .overloaded)) }
    }

    /// The store's enrolment for a decoded request, after the checks that need the clock (`start_at`).
    /// - Parameter defaultStart: the start of an item without its own `start_at` (the batch's), else now.
    static func enrolment(
        _ request: EnrolRequest, prefix: String, now: Int64, client: String, defaultStart: Int64? = nil
    ) throws(ControlError) -> Enrolment {
        let startAt = try request.startAt.map { input throws(ControlError) in
            try startTime(input, field: prefix + "start_at", now: now)
        }
        return Enrolment(
            strategy: request.strategy, customer: request.customer, enrolKey: request.enrolKey,
            startAt: startAt ?? defaultStart ?? now, client: client)
    }

    /// A `start_at` in epoch ms: a past time is now; more than ``maxStartAhead`` ahead is refused.
    static func startTime(_ input: TimeInput, field: String, now: Int64) throws(ControlError) -> Int64 {
        let startAt = max(now, try input.epochMilliseconds(key: "start_at", field: field))
        guard startAt - now <= maxStartAhead else {
            throw .badRequest("'start_at' is more than 400 days ahead", field: field)
        }
        return startAt
    }

    /// The answer (or error) for one store result; an unknown strategy is `not_found`, other refusals are
    /// answers with their reason.
    static func answer(_ result: EnrolResult, strategy: String) -> Result<EnrolAnswer, ControlError> {
        switch result {
        case .enrolled(let runID, let version, let holdout):
            .success(EnrolAnswer(runID: runID, state: .enrolled, holdout: holdout, version: version))
        case .duplicate(let runID):
            .success(EnrolAnswer(runID: runID, state: .duplicate))
        case .refused(.unknownStrategy):
            .failure(unknownStrategy(strategy))
        case .refused(let refusal):
            .success(EnrolAnswer(runID: nil, state: .refused, reason: refusal.rawValue))
        case .failed(let error):
            .failure(.internalError("not enrolled: \(error)"))
        }
    }

    static func unknownStrategy(_ name: String) -> ControlError {
        .notFound(name, field: "strategy", what: "no strategy named")
    }
}
