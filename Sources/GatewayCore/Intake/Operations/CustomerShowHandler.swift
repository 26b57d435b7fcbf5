import ChannelKit
import ControlProtocol
import GatewayStore

/// `customer_show`: a customer's profile as committed, addresses masked.
enum CustomerShowHandler {
    static func handle(
        _ request: CustomerShowRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let customer = request.customer
        service.store.customer(customer) { result in
            switch result {
            case .success(let profile?):
                respond(answer(profile).line(id: id))
            case .success(nil):
                respond(AnswerLine.error(id: id, .notFound(customer, field: "customer", what: "no customer")))
            case .failure(let error):
                respond(AnswerLine.error(id: id, .internalError("cannot read the customer: \(error)")))
            }
        }
    }

    /// The answer for a profile: addresses masked, times as RFC 3339, scores computed.
    static func answer(_ profile: CustomerProfile) -> CustomerShowAnswer {
        let facts = profile.facts
        return CustomerShowAnswer(
            customer: facts.id, addresses: facts.addresses.mapValues(LogMask.address), attributes: facts.attributes,
            zone: facts.zone, tags: facts.tags.sorted(),
            optOuts: profile.optOuts.map { $0 == "*" ? "all" : $0 }.sorted(),
            scores: facts.scores.sorted { $0.key < $1.key }.map { type, row in
                CustomerShowAnswer.Score(
                    channelType: type, sends: row.sends, engagements: row.engagements,
                    score: (row.engagements + 1) / (row.sends + 2))
            },
            runs: profile.activeRuns.map { run in
                CustomerShowAnswer.Run(
                    runID: run.runID, strategy: run.strategy, version: run.version, state: run.state.rawValue,
                    step: run.step, holdout: run.holdout, nextTimerAt: run.timer.map { Timestamp.format($0.dueAt) },
                    nextTimerKind: run.timer?.kind.rawValue, startedAt: Timestamp.format(run.startedAt))
            },
            touches: profile.recentTouches.map { touch in
                CustomerShowAnswer.Touch(
                    step: touch.step, outcome: touch.outcome.rawValue, at: Timestamp.format(touch.at),
                    channelType: touch.channelType, messageID: touch.messageID,
                    deliveredAt: touch.deliveredAt.map(Timestamp.format),
                    openedAt: touch.openedAt.map(Timestamp.format),
                    clickedAt: touch.clickedAt.map(Timestamp.format), repliedAt: touch.repliedAt.map(Timestamp.format))
            },
            createdAt: Timestamp.format(profile.createdAt), updatedAt: Timestamp.format(profile.updatedAt))
    }
}
