import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `subscribe`: every committed change as a JSON line (message states; runs, tags and conversions of strategies),
/// optionally filtered, optionally starting with the current state of messages changed since a time (to resume
/// after a lag or a reconnect; only message states are replayed, the others are live only).
///
/// A live stream holds no thread: the feed queues lines onto the connection's event loop. Only the catch-up
/// read of `since` runs on a thread: the service's `streamWork`, apart from `reload` and `report`.
enum SubscribeHandler {
    /// The answer on a connection whose stream is over (it lagged) or that has none.
    static let cannotStream = ControlError.badRequest("this connection cannot stream", field: "op")

    static func handle(
        _ request: SubscribeRequest, id: JSONValue?, stream: StreamSink?, service: ControlService,
        respond: @escaping @Sendable (String) -> Void
    ) {
        guard let stream, stream.isOpen else {
            respond(AnswerLine.error(id: id, cannotStream))
            return
        }
        let since: Int64?
        do throws(ControlError) {
            since = try request.since?.pastMilliseconds(field: "since", now: service.wallClock.nowMilliseconds)
        } catch {
            respond(AnswerLine.error(id: id, error))
            return
        }
        let filter = ChangeFeed.Filter(
            channels: request.channels, categories: request.categories, states: request.states,
            kinds: request.kinds)
        let feed = service.store.feed
        let subscription = feed.subscribe(filter) { lines, lastAt in stream.deliver(lines, lastAt: lastAt) }
        stream.attach(feed: feed, id: subscription)
        respond(SubscribeAnswer().line(id: id))
        guard let since else { return }
        // The current state of each message changed since then, read on a connection of its own; live changes
        // may interleave, and every line carries its time.
        let store = service.store
        service.streamWork.submit {
            guard stream.isOpen, let changes = try? store.changes(since: since) else { return }
            let admitted = changes.filter(filter.admits)
            var start = 0
            while start < admitted.count, stream.isOpen {
                let chunk = admitted[start..<min(start + 1000, admitted.count)]
                _ = stream.deliver(chunk.map(\.line), lastAt: chunk.last?.at ?? since)
                start += 1000
            }
        }
    }
}
