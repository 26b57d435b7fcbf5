import ChannelKit
import ControlProtocol
import Logging
import NIOCore

/// One client connection: hands each frame to the service and writes the answers back in request order.
///
/// Answers complete out of order (a `status` may finish before an earlier `send`'s commit); each gets a slot
/// and slots are written as soon as every earlier one is ready, so pipelined clients see strict ordering.
///
/// Memory stays bounded whatever a client does: while more than ``maxUnansweredRequests`` answers are owed or
/// the socket's send buffer is over its high-water mark (a client that does not read), the connection is not
/// read from; reading resumes once the client catches up. When the client half-closes, the connection closes
/// only after the last answer has been written out, not merely queued.
///
/// The connection's ``AccessPolicy/Level`` is fixed at accept. Each line is decoded here, once, and access is
/// checked on its operation before the service handles it: a read-only peer's request for anything but a read
/// operation is answered `forbidden`; a peer without access gets `forbidden` for its first request and the
/// connection is closed. The first refusal of a connection is logged.
final class ControlConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ControlFrame
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let service: ControlService
    private let access: AccessPolicy.Level
    private let peer: PeerCredentials?
    private let logger: Logger
    private var nextSlot = 0
    private var nextToWrite = 0
    private var ready: [Int: String] = [:]
    /// Answers completed on other threads, written by one event-loop task per burst.
    private let pendingAnswers = PendingAnswers()
    private var inputClosed = false
    private var refusalLogged = false
    // A `subscribe` stream: its answer's slot, lines waiting for that answer, and the last change's time.
    private var slotBeingHandled = 0
    private var streamSlot: Int?
    private var streamPending: [String] = []
    private var streamSink: StreamSink?
    private var connectionSink: StreamSink?
    private var subscription: (feed: ChangeFeed, id: Int)?
    private var lastStreamedAt: Int64 = 0
    /// Lines held for a stream whose answer is not written yet, at most.
    static let maxPendingStreamLines = 10_000
    /// Requests read but not yet answered on the wire, at most, before reading pauses.
    static let maxUnansweredRequests = 1_024
    private var readHeld = false
    private var closing = false
    /// Requests handled per turn of the event loop, at most, and for at most this long; the rest of a read
    /// waits in `backlog` for a later turn, `turnGap` later.
    static let requestsPerTurn = 512
    static let turnBudget = TimeAmount.milliseconds(2)
    static let turnGap = TimeAmount.microseconds(100)
    private var turnStarted = NIODeadline.now()
    private var handledThisRead = 0
    private var backlog: [ControlFrame] = []
    private var backlogStart = 0
    private var backlogTurnScheduled = false
    /// A line at least this long is decoded off the event loop (``ControlService/decodeWork``): a 1,000-item
    /// `enrol_batch` or `customer_batch` (~80 KB) takes ~4 ms to decode, up to 13 ms, and every other connection
    /// on the loop (a bank system's single sends) would wait that long for its turn.
    static let offLoopDecodeBytes = 16_384
    /// A line of this connection is being decoded off the loop: later lines wait in `backlog`, so requests are
    /// still handled in the order they came.
    private var decoding = false

    /// - Parameters:
    ///   - service: what answers requests.
    ///   - access: what this connection may do.
    ///   - peer: the peer's credentials, for refusal logs.
    ///   - logger: for refusals.
    init(
        service: ControlService, access: AccessPolicy.Level = .full, peer: PeerCredentials? = nil,
        logger: Logger = Logger(label: "control")
    ) {
        self.service = service
        self.access = access
        self.peer = peer
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        // Fair turns: one read can hold thousands of requests. Past a small budget they wait in the backlog and
        // are handled a budget at a time in later turns of the event loop, so other connections are served
        // in between (24,000 pipelined `stats` delayed another client's `health` by seconds).
        if handledThisRead == 0 { turnStarted = .now() }
        if decoding || backlogStart < backlog.count || !withinTurnBudget(handledThisRead) {
            backlog.append(frame)
            scheduleBacklogTurn(context: context)
            return
        }
        handledThisRead += 1
        handle(frame, context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        handledThisRead = 0
        context.fireChannelReadComplete()
    }

    /// Whether a turn that has handled `count` requests may handle one more.
    private func withinTurnBudget(_ count: Int) -> Bool {
        count < Self.requestsPerTurn && (count % 16 != 0 || NIODeadline.now() - turnStarted < Self.turnBudget)
    }

    private func scheduleBacklogTurn(context: ChannelHandlerContext) {
        guard !backlogTurnScheduled else { return }
        backlogTurnScheduled = true
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        // A task due a little later, not `execute`: the event loop runs immediate tasks until none are left
        // before it polls sockets again, so only a future deadline lets other connections in first.
        context.eventLoop.scheduleTask(in: Self.turnGap) {
            let (handler, context) = bound.value
            handler.backlogTurnScheduled = false
            handler.runBacklogTurn(context: context)
        }
    }

    private func runBacklogTurn(context: ChannelHandlerContext) {
        var handled = 0
        turnStarted = .now()
        while !decoding && backlogStart < backlog.count && withinTurnBudget(handled) && context.channel.isActive {
            let frame = backlog[backlogStart]
            backlogStart += 1
            handled += 1
            handle(frame, context: context)
        }
        if decoding {
            return  // The decode's completion runs the next turn.
        } else if backlogStart < backlog.count && context.channel.isActive {
            scheduleBacklogTurn(context: context)
        } else {
            backlog.removeAll(keepingCapacity: false)
            backlogStart = 0
            closeIfFinished(context: context)
            resumeReadingIfCaughtUp(context: context)
        }
    }

    private func handle(_ frame: ControlFrame, context: ChannelHandlerContext) {
        // After refusing a peer without access, the connection is closing; later lines are not read.
        guard !(access == .none && nextSlot > 0) else { return }
        let slot = nextSlot
        nextSlot += 1
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let pending = pendingAnswers
        if connectionSink == nil { connectionSink = StreamSink(handler: self, context: context) }
        let respond: @Sendable (String) -> Void = { line in
            if loop.inEventLoop {
                bound.value.0.complete([(slot, line)], context: bound.value.1)
            } else if pending.add(slot: slot, line: line) {
                loop.execute { bound.value.0.complete(pending.take(), context: bound.value.1) }
            }
        }
        guard case .line(let buffer) = frame else {
            respond(access == .none ? refusal(op: nil, id: nil) : service.tooLargeLine())
            return
        }
        guard buffer.readableBytes >= Self.offLoopDecodeBytes, access != .none else {
            // Decoded once: access is checked on the decoded operation, then the same request is handled.
            dispatch(buffer.withUnsafeReadableBytes { service.decode(line: $0) }, slot: slot, respond: respond)
            return
        }
        decoding = true
        let decoder = service
        decoder.decodeWork.submit {
            let decoded = buffer.withUnsafeReadableBytes { decoder.decode(line: $0) }
            loop.execute {
                let (handler, context) = bound.value
                handler.decoding = false
                guard context.channel.isActive else { return }
                handler.dispatch(decoded, slot: slot, respond: respond)
                handler.runBacklogTurn(context: context)
            }
        }
    }

    /// Checks access on a decoded request and hands it to the service (on the event loop).
    private func dispatch(
        _ decoded: ControlRequest.Decoded, slot: Int, respond: @escaping @Sendable (String) -> Void
    ) {
        switch access {
        case .full: break
        case .none:
            respond(refusal(op: nil, id: decoded.id))
            return
        case .readOnly:
            // An `op` that is not a string is left to the service to answer (`bad_request`).
            if let op = decoded.op, !AccessPolicy.permits(access, decoded.operation) {
                respond(refusal(op: op, id: decoded.id))
                return
            }
        }
        let client = peer.map { "uid=\($0.uid),pid=\($0.pid)" } ?? "unknown"
        slotBeingHandled = slot
        service.handle(decoded, client: client, stream: connectionSink, respond: respond)
    }

    /// The `forbidden` answer; logs the first refusal of this connection.
    private func refusal(op: String?, id: JSONValue?) -> String {
        let who = peer.map { "uid \($0.uid)" } ?? "this peer"
        let error: ControlError =
            if let op {
                .forbidden("'\(op)' needs send access; \(who) has read-only access", field: "op")
            } else {
                .forbidden("\(who) may not use the control socket")
            }
        if !refusalLogged {
            refusalLogged = true
            logger.warning(
                "control request refused",
                metadata: [
                    "uid": "\(peer.map { String($0.uid) } ?? "unknown")",
                    "gid": "\(peer.map { String($0.gid) } ?? "unknown")",
                    "pid": "\(peer.map { String($0.pid) } ?? "unknown")",
                    "op": "\(op ?? "*")", "access": "\(access)",
                ]
            )
        }
        return AnswerLine.error(id: id, error)
    }

    /// Writes every answer that is now next in request order, and flushes once.
    ///
    /// Answers arrive almost always in order, so the next one goes straight into the burst's single buffer; only
    /// one that overtakes an earlier request waits in `ready`.
    private func complete(_ answers: [(slot: Int, line: String)], context: ChannelHandlerContext) {
        var buffer: ByteBuffer?
        func append(_ line: String) {
            if buffer == nil {
                buffer = context.channel.allocator.buffer(capacity: (line.utf8.count + 1) * max(1, answers.count))
            }
            buffer!.writeString(line)
            buffer!.writeInteger(UInt8(ascii: "\n"))
            nextToWrite += 1
        }
        for (slot, line) in answers {
            guard slot == nextToWrite else {
                ready[slot] = line
                continue
            }
            append(line)
            while !ready.isEmpty, let next = ready.removeValue(forKey: nextToWrite) { append(next) }
        }
        let wrote = buffer != nil
        if let buffer { context.write(wrapOutboundOut(buffer), promise: nil) }
        if let streamSlot, nextToWrite > streamSlot, !streamPending.isEmpty {
            let pending = streamPending
            streamPending.removeAll()
            writeStream(pending, context: context)
            return
        }
        if wrote { context.flush() }
        closeIfFinished(context: context)
        resumeReadingIfCaughtUp(context: context)
    }

    /// Marks the request being handled as this connection's `subscribe`: lines follow its answer.
    func beginStream(feed: ChangeFeed, id: Int, sink: StreamSink) {
        if let subscription { subscription.feed.unsubscribe(subscription.id) }
        streamSink?.close()
        streamSink = sink
        subscription = (feed, id)
        streamSlot = slotBeingHandled
    }

    /// Writes streamed lines once the subscribe answer is out; a client that cannot keep up is told it lagged,
    /// with the time to resume from, and its stream ends.
    func stream(_ lines: [String], lastAt: Int64, context: ChannelHandlerContext) {
        guard let sink = streamSink, sink.isOpen, let streamSlot else { return }
        guard nextToWrite > streamSlot else {
            streamPending += lines
            if streamPending.count > Self.maxPendingStreamLines { lag(context: context) }
            lastStreamedAt = lastAt
            return
        }
        guard context.channel.isWritable else {
            lag(context: context)
            return
        }
        writeStream(lines, context: context)
        lastStreamedAt = lastAt
    }

    private func writeStream(_ lines: [String], context: ChannelHandlerContext) {
        for line in lines {
            var buffer = context.channel.allocator.buffer(capacity: line.utf8.count + 1)
            buffer.writeString(line)
            buffer.writeInteger(UInt8(ascii: "\n"))
            context.write(wrapOutboundOut(buffer), promise: nil)
        }
        context.flush()
    }

    private func lag(context: ChannelHandlerContext) {
        streamSink?.close()
        if let subscription { subscription.feed.unsubscribe(subscription.id) }
        subscription = nil
        streamPending.removeAll()
        let since = Timestamp.format(lastStreamedAt)
        logger.warning("subscriber lagged; stream ended", metadata: ["resume_since": "\(since)"])
        writeStream([StreamEvent.laggedLine(resumeSince: since)], context: context)
    }

    func read(context: ChannelHandlerContext) {
        if mustPauseReading(context: context) {
            readHeld = true
        } else {
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        resumeReadingIfCaughtUp(context: context)
        context.fireChannelWritabilityChanged()
    }

    private func mustPauseReading(context: ChannelHandlerContext) -> Bool {
        decoding || backlogStart < backlog.count || nextSlot - nextToWrite >= Self.maxUnansweredRequests
            || !context.channel.isWritable
    }

    private func resumeReadingIfCaughtUp(context: ChannelHandlerContext) {
        guard readHeld, !mustPauseReading(context: context) else { return }
        readHeld = false
        context.read()
    }

    func channelInactive(context: ChannelHandlerContext) {
        streamSink?.close()
        if let subscription { subscription.feed.unsubscribe(subscription.id) }
        subscription = nil
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client has sent everything; close once every answer is written.
            inputClosed = true
            closeIfFinished(context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func closeIfFinished(context: ChannelHandlerContext) {
        let refusedAll = access == .none && nextSlot > 0
        // A subscriber's stream keeps the connection open after its input ends.
        let streaming = streamSink?.isOpen == true && subscription != nil
        guard (inputClosed || refusedAll) && !streaming && nextToWrite == nextSlot && context.channel.isActive,
            backlogStart == backlog.count, !closing
        else { return }
        // Writes complete in order: once an empty write is done, every answer before it is on the wire. Closing
        // at once would drop answers still queued in the channel (a pipelining client that half-closes).
        closing = true
        let flushed = context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(capacity: 0)))
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        flushed.whenComplete { _ in bound.value.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
