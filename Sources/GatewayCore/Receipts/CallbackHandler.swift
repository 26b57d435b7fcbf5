import ChannelKit
import Foundation
import GatewayConfig
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP connection of the callback listener: collects a request (up to the size limit) and answers it.
///
/// Requests a client pipelines are answered in order, one at a time: those that arrive while one is being answered
/// wait here (reading stops while too many wait). Answers are written as one encoded buffer each.
final class CallbackHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer

    /// A complete request waiting for the one before it to be answered.
    private struct Request {
        var head: HTTPRequestHead
        var body: [UInt8]
        var tooLarge: Bool
    }

    /// Pipelined requests held at most before reading pauses.
    static let maxWaiting = 16

    private let processor: CallbackProcessor
    private let metrics: MetricsPage?
    private let health: HealthProbe?
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    /// Whether a request is being answered; later ones wait in `waiting`.
    private var answering = false
    private var waiting: [Request] = []
    private var readingPaused = false
    private var closing = false
    /// The peer shut its sending side: answer what it sent, then close.
    private var inputClosed = false
    /// The last answer written and its encoding (most answers on a connection are the same: the vendor's ack).
    private var lastAnswer: (answer: CallbackProcessor.Answer, keepAlive: Bool, head: Bool, bytes: ByteBuffer)?
    /// Since when the peer owes us a complete request (nil while we are answering one).
    private var waitingSince: NIODeadline? = .now()
    private var deadlineCheck: RepeatedTask?

    init(processor: CallbackProcessor, metrics: MetricsPage?, health: HealthProbe?) {
        self.processor = processor
        self.metrics = metrics
        self.health = health
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // One check per connection every few seconds rather than a timer per request: cheap on the receipt path.
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let period = TimeAmount.seconds(5)
        deadlineCheck = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            let (handler, context) = bound.value
            if let since = handler.waitingSince, NIODeadline.now() - since > CallbackServer.requestTimeout {
                context.close(promise: nil)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadlineCheck?.cancel()
        deadlineCheck = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request):
            head = request
            body.removeAll(keepingCapacity: true)
            tooLarge = false
        case .body(let buffer):
            guard !tooLarge else { return }
            if body.count + buffer.readableBytes > CallbackServer.maxBodyBytes {
                tooLarge = true
                body.removeAll()
            } else {
                body.append(contentsOf: buffer.readableBytesView)
            }
        case .end:
            guard let head, !closing else { return }
            self.head = nil
            let request = Request(head: head, body: body, tooLarge: tooLarge)
            if answering {
                waiting.append(request)
                if waiting.count >= Self.maxWaiting, !readingPaused {
                    readingPaused = true
                    context.channel.setOption(.autoRead, value: false).whenFailure { _ in }
                }
            } else {
                waitingSince = nil
                answering = true
                respond(to: request, context: context)
            }
        }
    }

    /// A peer that pipelines its pushes and then shuts its sending side still hears every answer it is owed (the
    /// listener allows half-closed connections); the connection closes after the last one.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case ChannelEvent.inputClosed = event else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        if !answering, waiting.isEmpty, !closing {
            closing = true
            context.close(promise: nil)
        }
    }

    /// A request the decoder could not read: 400 and close (unless an answer is due first; then just close).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError, !answering, !closing else {
            context.close(promise: nil)
            return
        }
        closing = true
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeStaticString("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in channel.close(promise: nil) }
    }

    private func respond(to request: Request, context: ChannelHandlerContext) {
        let head = request.head
        let keepAlive = head.isKeepAlive
        let isHead = head.method == .HEAD
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let answer: @Sendable (CallbackProcessor.Answer) -> Void = { answer in
            if loop.inEventLoop {
                bound.value.0.write(answer, keepAlive: keepAlive, isHead: isHead, context: bound.value.1)
            } else {
                loop.execute {
                    bound.value.0.write(answer, keepAlive: keepAlive, isHead: isHead, context: bound.value.1)
                }
            }
        }
        if request.tooLarge {
            answer(
                .init(
                    status: 413, contentType: "text/plain",
                    body: "callback body over \(CallbackServer.maxBodyBytes) bytes\n"))
            return
        }
        let target = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = target.first ?? ""
        if path == "/metrics", head.method == .GET, let metrics {
            answer(.init(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics.render()))
            return
        }
        if path == "/healthz" || path == "/readyz", head.method == .GET, let health {
            // Answered on the event loop itself: a liveness answer at all shows the listener's loop turns.
            let verdict = path == "/healthz" ? health.liveness() : health.readiness()
            answer(.init(status: verdict.passes ? 200 : 503, contentType: "text/plain", body: verdict.reason + "\n"))
            return
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        if parts.count == 2, parts[0] == "t", head.method == .GET || head.method == .HEAD {
            processor.click(token: String(parts[1]), answer: answer)
            return
        }
        guard parts.count >= 2, parts[0] == "callbacks" else {
            answer(.init(status: 404, contentType: "text/plain", body: "not found\n"))
            return
        }
        let rest = parts.count == 2 ? "/" : "/" + parts.dropFirst(2).joined(separator: "/")
        let callback = InboundCallback(
            method: head.method.rawValue, path: rest, query: target.count > 1 ? String(target[1]) : "",
            headers: head.headers.map { HTTPHeader($0.name, $0.value) }, body: request.body)
        processor.handle(instance: String(parts[1]), callback: callback, answer: answer)
    }

    private func write(
        _ answer: CallbackProcessor.Answer, keepAlive: Bool, isHead: Bool, context: ChannelHandlerContext
    ) {
        let bytes: ByteBuffer
        if let last = lastAnswer, last.keepAlive == keepAlive, last.head == isHead, last.answer == answer {
            bytes = last.bytes
        } else {
            bytes = Self.encode(answer, keepAlive: keepAlive, isHead: isHead, allocator: context.channel.allocator)
            lastAnswer = (answer, keepAlive, isHead, bytes)
        }
        answering = false
        guard keepAlive, !closing else {
            closing = true
            waiting.removeAll()
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        if waiting.isEmpty, inputClosed {
            closing = true
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(bytes)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        if waiting.isEmpty {
            waitingSince = .now()
        } else {
            let next = waiting.removeFirst()
            if readingPaused, waiting.count < Self.maxWaiting / 2 {
                readingPaused = false
                context.channel.setOption(.autoRead, value: true).whenFailure { _ in }
            }
            answering = true
            respond(to: next, context: context)
        }
    }

    /// An answer as HTTP/1.1 bytes: status line, headers and body (no body for a HEAD request).
    static func encode(
        _ answer: CallbackProcessor.Answer, keepAlive: Bool, isHead: Bool, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        // A stored link target with a control character would split the header: refused rather than written.
        if let location = answer.location, location.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return encode(
                .init(status: 500, contentType: "text/plain", body: "unusable link target\n"), keepAlive: keepAlive,
                isHead: isHead, allocator: allocator)
        }
        let status = HTTPResponseStatus(statusCode: answer.status)
        var buffer = allocator.buffer(capacity: 160 + answer.body.utf8.count)
        buffer.writeString(
            "HTTP/1.1 \(answer.status) \(status.reasonPhrase)\r\nContent-Type: \(answer.contentType)\r\n")
        if let location = answer.location {
            // Every click must reach us to be counted.
            buffer.writeString("Location: \(location)\r\nCache-Control: no-store\r\n")
        }
        buffer.writeString("Content-Length: \(answer.body.utf8.count)\r\n")
        if !keepAlive { buffer.writeStaticString("Connection: close\r\n") }
        buffer.writeStaticString("\r\n")
        if !isHead { buffer.writeString(answer.body) }
        return buffer
    }
}
