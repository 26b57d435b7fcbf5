import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `send`: one message, validated, handed to the store's group commit and answered once it is committed.
enum SendHandler {
    static func handle(
        _ request: SendRequest, id: JSONValue?, service: ControlService, respond: @escaping @Sendable (String) -> Void
    ) {
        guard !service.isDraining.load(ordering: .relaxed) else {
            respond(AnswerLine.error(id: id, .shuttingDown))
            return
        }
        let accept: AcceptRequest
        do throws(ControlError) {
            accept = try service.validator.validate(
                request, prefix: "", now: service.wallClock.nowMilliseconds, service: service)
        } catch {
            service.counters.rejected.add(1, ordering: .relaxed)
            respond(AnswerLine.error(id: id, error))
            return
        }
        let counters = service.counters
        let queued = service.store.accept([accept]) { results in
            respond(answer(results.first ?? .failed(.closed), id: id, counters: counters))
        }
        if !queued {
            counters.rejected.add(1, ordering: .relaxed)
            respond(AnswerLine.error(id: id, .overloaded))
        }
    }

    /// The answer to one committed message, counted.
    static func answer(_ result: AcceptResult, id: JSONValue?, counters: IntakeCounters) -> String {
        switch outcome(result, counters: counters) {
        case .success(let answer): answer.line(id: id)
        case .failure(let error): AnswerLine.error(id: id, error)
        }
    }

    /// What became of one committed message (also each of a batch's), counted.
    static func outcome(_ result: AcceptResult, counters: IntakeCounters) -> Result<SendAnswer, ControlError> {
        switch result {
        case .queued(let messageID):
            counters.accepted.add(1, ordering: .relaxed)
            return .success(SendAnswer(messageID: messageID, outcome: .queued))
        case .deferred(let messageID, let until):
            counters.accepted.add(1, ordering: .relaxed)
            counters.deferred.add(1, ordering: .relaxed)
            return .success(SendAnswer(messageID: messageID, outcome: .deferred(until: Timestamp.format(until))))
        case .suppressed(let messageID, let reason, let cap):
            counters.suppressed.add(1, ordering: .relaxed)
            return .success(SendAnswer(messageID: messageID, outcome: .suppressed(reason: reason.rawValue, cap: cap)))
        case .duplicate(let original):
            counters.duplicates.add(1, ordering: .relaxed)
            return .success(SendAnswer(messageID: original, outcome: .duplicate))
        case .failed(let error):
            counters.rejected.add(1, ordering: .relaxed)
            return .failure(.internalError("not accepted: \(error)"))
        }
    }
}
