import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `requeue`: after a vendor outage, failed messages of an instance (optionally of one reason and time range)
/// go back to the end of its queue, or another instance's, with a fresh retry budget; with `"queued":true` the
/// queue of a held or paused instance moves to another instance. `dry_run` only counts.
enum RequeueHandler {
    /// Messages moved per transaction: the writer is never held for long, and progress is committed as it goes.
    static let chunk = 5_000

    static func handle(
        _ request: RequeueRequest, id: JSONValue?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        let filter: RequeueFilter
        do throws(ControlError) {
            filter = try self.filter(request, service: service)
        } catch {
            respond(AnswerLine.error(id: id, error))
            return
        }
        let store = service.store
        if request.dryRun {
            store.countRequeue(filter) { result in
                switch result {
                case .success(let count): respond(RequeueAnswer(count: count, dryRun: true).line(id: id))
                case .failure(let error): respond(AnswerLine.error(id: id, .internalError("\(error)")))
                }
            }
            return
        }
        guard case .queued = filter.source else {
            move(filter, done: 0, store: store) { result in respond(line(result, id: id)) }
            return
        }
        // A queue may be moved only while nothing of it can start: its instance is held or paused, and the
        // dispatcher forgets what it had loaded of it until the move is committed.
        let dispatcher = service.dispatcher
        dispatcher.freeze(filter.channel) { frozen in
            guard frozen else {
                respond(
                    AnswerLine.error(
                        id: id,
                        .conflict(
                            "'\(filter.channel)' is active: pause it (or remove it by a reload) before moving its queue",
                            field: "channel")))
                return
            }
            move(filter, done: 0, store: store) { result in
                dispatcher.thaw(filter.channel, moved: (try? result.get()) ?? 0)
                respond(line(result, id: id))
            }
        }
    }

    /// The store's filter, once the instances and the reason are checked against the configuration.
    private static func filter(_ request: RequeueRequest, service: ControlService) throws(ControlError)
        -> RequeueFilter
    {
        let channel = request.channel
        guard service.knowsInstance(channel) else { throw .unknownChannel(channel, field: "channel") }
        if let reason = request.reason, ReasonCategory(name: reason) == nil {
            throw .badRequest(
                "'reason' must be one of: " + ReasonCategory.all.map(\.name).joined(separator: ", "), field: "reason")
        }
        if request.queued, request.reason != nil {
            throw .badRequest("'reason' applies to failed messages, not to a queue being moved", field: "reason")
        }
        let target = request.toChannel
        if let target {
            guard let configuration = service.activeInstance(target) else {
                throw .unknownChannel(target, field: "to_channel")
            }
            guard configuration.kind == service.instanceKind(channel) else {
                throw .badRequest(
                    "'\(target)' is a \(configuration.kind) instance; '\(channel)' is not", field: "to_channel")
            }
        }
        if request.queued, target == nil || target == channel {
            throw .badRequest("moving a queue needs 'to_channel', another instance", field: "to_channel")
        }
        let now = service.wallClock.nowMilliseconds
        let from = try request.since?.pastMilliseconds(field: "since", now: now)
        let until = try request.until?.pastMilliseconds(field: "until", now: now)
        return RequeueFilter(
            channel: channel, source: request.queued ? .queued : .failed(reason: request.reason), target: target,
            from: from, until: until)
    }

    /// Moves `chunk` messages per transaction until fewer are left.
    private static func move(
        _ filter: RequeueFilter, done: Int, store: any MessageStoring,
        completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        store.requeue(filter, limit: chunk) { result in
            switch result {
            case .success(let moved) where moved == chunk:
                move(filter, done: done + moved, store: store, completion: completion)
            case .success(let moved):
                completion(.success(done + moved))
            case .failure(let error):
                completion(done > 0 ? .success(done) : .failure(error))
            }
        }
    }

    private static func line(_ result: Result<Int, StoreError>, id: JSONValue?) -> String {
        switch result {
        case .success(let count): RequeueAnswer(count: count, dryRun: false).line(id: id)
        case .failure(let error): AnswerLine.error(id: id, .internalError("not requeued: \(error)"))
        }
    }
}
