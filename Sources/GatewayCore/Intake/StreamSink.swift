import NIOCore
import Synchronization

/// A connection's end of a `subscribe` stream: the store's writer hands it lines from any thread, and it queues
/// them onto the connection's event loop without waiting.
final class StreamSink: Sendable {
    private let loop: any EventLoop
    private let target: NIOLoopBound<(ControlConnectionHandler, ChannelHandlerContext)>
    private let open = Atomic<Bool>(true)

    init(handler: ControlConnectionHandler, context: ChannelHandlerContext) {
        loop = context.eventLoop
        target = NIOLoopBound((handler, context), eventLoop: context.eventLoop)
    }

    /// Queues lines for the client; `false` once the stream is over (lagged or disconnected).
    func deliver(_ lines: [String], lastAt: Int64) -> Bool {
        guard open.load(ordering: .relaxed) else { return false }
        let target = target
        loop.execute { target.value.0.stream(lines, lastAt: lastAt, context: target.value.1) }
        return true
    }

    /// Starts streaming after the `subscribe` answer (called on the event loop, while the request is handled).
    func attach(feed: ChangeFeed, id: Int) {
        target.value.0.beginStream(feed: feed, id: id, sink: self)
    }

    /// Ends the stream: later deliveries are refused and the feed drops the subscriber.
    func close() { open.store(false, ordering: .relaxed) }

    var isOpen: Bool { open.load(ordering: .relaxed) }
}
