import ChannelKit
import ControlProtocol
import GatewayStore
import Synchronization

/// `exit`: ends a run at once, also mid-wait (its timer is deleted and its queued messages withdrawn in the same
/// commit); answered after that commit. A run that exists but has finished is a `conflict`, not `not_found`.
enum ExitHandler {
    static func handle(
        _ request: ExitRequest, id: JSONValue?, client: String, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let selector: RunSelector
        let notFound: ControlError
        switch request.target {
        case .run(let runID):
            selector = .run(runID)
            notFound = .notFound(String(runID), field: "run_id", what: "no run with id")
        case .customer(let customer, let strategy):
            selector = .customer(customer, strategy: strategy)
            notFound = .notFound(
                customer, field: "customer", what: "no active run of strategy '\(strategy)' for customer")
        }
        service.store.exit(selector, client: client) { result in
            switch result {
            case .success(.exited(let runID)): respond(ExitAnswer(runID: runID).line(id: id))
            case .success(.alreadyFinished(let runID)):
                respond(AnswerLine.error(id: id, .conflict("run \(runID) has already finished", field: "run_id")))
            case .success(.notFound): respond(AnswerLine.error(id: id, notFound))
            case .failure(let error): respond(AnswerLine.error(id: id, .internalError("not exited: \(error)")))
            }
        }
    }
}
