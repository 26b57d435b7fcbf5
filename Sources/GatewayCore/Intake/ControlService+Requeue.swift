import ChannelKit
import GatewayConfig

/// `requeue`: after a vendor outage, failed messages of an instance (optionally of one reason and time range)
/// go back to the end of its queue, or another instance's, with a fresh retry budget; with `"queued":true` the
/// queue of a held or paused instance moves to another instance. `dry_run` only counts.
extension ControlService {
    /// Messages moved per transaction: the writer is never held for long, and progress is committed as it goes.
    static let requeueChunk = 5_000

    func requeue(
        _ request: [String: JSONValue], id: JSONValue?, respond: @escaping @Sendable (String) -> Void
    ) {
        let filter: RequeueFilter
        let dryRun: Bool
        do throws(ControlError) {
            let fields = try RequestFields(
                request, allowed: ["channel", "reason", "since", "until", "to_channel", "queued", "dry_run"])
            guard let channel = try fields.text("channel") else {
                throw .badRequest("missing field 'channel'", field: "channel")
            }
            guard knowsInstance(channel) else { throw .unknownChannel(channel, field: "channel") }
            let queued = try fields.flag("queued")
            dryRun = try fields.flag("dry_run")
            let reason = try fields.text("reason")
            if let reason, ReasonCategory(name: reason) == nil {
                throw .badRequest(
                    "'reason' must be one of: " + ReasonCategory.all.map(\.name).joined(separator: ", "),
                    field: "reason")
            }
            if queued, reason != nil {
                throw .badRequest("'reason' applies to failed messages, not to a queue being moved", field: "reason")
            }
            let target = try fields.text("to_channel")
            if let target {
                guard let configuration = activeInstance(target) else {
                    throw .unknownChannel(target, field: "to_channel")
                }
                guard configuration.kind == instanceKind(channel) else {
                    throw .badRequest(
                        "'\(target)' is a \(configuration.kind) instance; '\(channel)' is not", field: "to_channel")
                }
            }
            if queued, target == nil || target == channel {
                throw .badRequest("moving a queue needs 'to_channel', another instance", field: "to_channel")
            }
            let now = wallClock.nowMilliseconds
            let from = try PastTime.read(request["since"], field: "since", now: now)
            let until = try PastTime.read(request["until"], field: "until", now: now)
            filter = RequeueFilter(
                channel: channel, source: queued ? .queued : .failed(reason: reason), target: target, from: from,
                until: until)
        } catch {
            respond(ControlService.errorLine(id: id, error))
            return
        }
        if dryRun {
            store.countRequeue(filter) { result in
                switch result {
                case .success(let count): respond(Self.requeueAnswer(id: id, count: count, dryRun: true))
                case .failure(let error): respond(ControlService.errorLine(id: id, .internalError("\(error)")))
                }
            }
            return
        }
        guard case .queued = filter.source else {
            requeueChunks(filter, done: 0) { result in respond(Self.requeueLine(result, id: id)) }
            return
        }
        // A queue may be moved only while nothing of it can start: its instance is held or paused, and the
        // dispatcher forgets what it had loaded of it until the move is committed.
        let dispatcher = dispatcher
        dispatcher.freeze(filter.channel) { frozen in
            guard frozen else {
                respond(
                    ControlService.errorLine(
                        id: id,
                        .conflict(
                            "'\(filter.channel)' is active: pause it (or remove it by a reload) before moving its queue",
                            field: "channel")))
                return
            }
            self.requeueChunks(filter, done: 0) { result in
                dispatcher.thaw(filter.channel, moved: (try? result.get()) ?? 0)
                respond(Self.requeueLine(result, id: id))
            }
        }
    }

    private func requeueChunks(
        _ filter: RequeueFilter, done: Int, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        store.requeue(filter, limit: Self.requeueChunk) { result in
            switch result {
            case .success(let moved) where moved == Self.requeueChunk:
                self.requeueChunks(filter, done: done + moved, completion: completion)
            case .success(let moved):
                completion(.success(done + moved))
            case .failure(let error):
                completion(done > 0 ? .success(done) : .failure(error))
            }
        }
    }

    private static func requeueLine(_ result: Result<Int, StoreError>, id: JSONValue?) -> String {
        switch result {
        case .success(let count): requeueAnswer(id: id, count: count, dryRun: false)
        case .failure(let error): errorLine(id: id, .internalError("not requeued: \(error)"))
        }
    }

    private static func requeueAnswer(id: JSONValue?, count: Int, dryRun: Bool) -> String {
        var line = "{\"ok\":true"
        appendID(id, to: &line)
        line += dryRun ? ",\"dry_run\":true,\"matched\":\(count)}" : ",\"requeued\":\(count)}"
        return line
    }
}
