import ChannelKit
import ControlProtocol
import GatewayStore
import Synchronization

/// `runs`: a customer's runs, newest first, with timer and history, as committed after everything queued
/// before the request.
enum RunsHandler {
    static func handle(
        _ request: RunsRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        service.store.runs(of: request.customer, limit: request.limit) { result in
            switch result {
            case .success(let runs): respond(RunsAnswer(runs: runs.map(run)).line(id: id))
            case .failure(let error): respond(AnswerLine.error(id: id, .internalError("cannot read runs: \(error)")))
            }
        }
    }

    static func run(_ snapshot: RunSnapshot) -> RunsAnswer.Run {
        RunsAnswer.Run(
            runID: snapshot.runID, strategy: snapshot.strategy, version: snapshot.version,
            state: snapshot.state.rawValue, step: snapshot.step, holdout: snapshot.holdout,
            nextTimer: snapshot.timer.map { RunsAnswer.Timer(at: Timestamp.format($0.dueAt), kind: $0.kind.rawValue) },
            startedAt: Timestamp.format(snapshot.startedAt), outcome: snapshot.outcome?.rawValue,
            history: snapshot.history.map { record in
                RunsAnswer.Step(
                    visit: record.visit, step: record.step, kind: record.kind, outcome: record.outcome.rawValue,
                    at: Timestamp.format(record.at), channelType: record.channelType, messageID: record.messageID)
            })
    }
}
