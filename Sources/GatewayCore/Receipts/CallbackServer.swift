import ChannelKit
import Foundation
public import GatewayConfig
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP listener for vendor callbacks at `/callbacks/<instance>` (put it behind the bank's reverse proxy),
/// tracked links at `/t/<token>`, `/metrics`, and `/healthz` and `/readyz` for load balancers.
public final class CallbackServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The bound address (with the real port when 0 was asked for).
    public let address: String
    /// The largest callback body accepted; larger ones get 413.
    public static let maxBodyBytes = 256 * 1024
    /// How long a connection may take to send its next complete request (headers and body) once the previous
    /// answer is out or it connected: slow or idle peers cannot hold descriptors for ever.
    static let requestTimeout = TimeAmount.seconds(30)
    /// Connections open at once, at most: half the descriptor limit (at most 16,384), so vendor transfers, the
    /// store and the control socket keep descriptors however many peers connect.
    public static var maxConnections: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 512 }
        return Int(min(16_384, max(32, limit.rlim_cur / 2)))
    }

    /// Binds and starts serving.
    /// - Parameters:
    ///   - endpoint: where to listen.
    ///   - processor: what handles `/callbacks/<instance>`.
    ///   - metrics: the `/metrics` page.
    ///   - health: what `/healthz` and `/readyz` answer (404 without).
    ///   - logger: for the bound address.
    public init(
        endpoint: ListenEndpoint, processor: CallbackProcessor, metrics: MetricsPage?, health: HealthProbe? = nil,
        logger: Logger
    ) throws(StartupError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let connections = ConnectionCount(limit: CallbackServer.maxConnections)
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    // Over the cap, a new connection is closed at once (its descriptor is freed right away).
                    guard connections.acquire() else {
                        return channel.close()
                    }
                    channel.closeFuture.whenComplete { _ in connections.release() }
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(
                            CallbackHandler(processor: processor, metrics: metrics, health: health))
                    }
                }
                .bind(host: endpoint.host, port: endpoint.port)
                .wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw .listen("\(endpoint.host):\(endpoint.port)", reason: UnixSocketProbe.explain(error))
        }
        self.group = group
        let port = channel.localAddress?.port ?? endpoint.port
        address = "\(endpoint.host):\(port)"
        logger.info("callback listener listening", metadata: ["listen": "\(address)"])
    }

    /// Stops accepting connections; open ones are answered until `shutdown()`.
    public func stopAccepting() {
        try? channel.close().wait()
    }

    /// Closes the listener and its connections.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// One HTTP connection of the callback listener: collects a request (up to the size limit) and answers it.
final class CallbackHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let processor: CallbackProcessor
    private let metrics: MetricsPage?
    private let health: HealthProbe?
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
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
            guard let head else { return }
            self.head = nil
            waitingSince = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let answer: @Sendable (CallbackProcessor.Answer) -> Void = { answer in
            loop.execute { bound.value.0.write(answer, keepAlive: keepAlive, context: bound.value.1) }
        }
        if tooLarge {
            answer(
                .init(
                    status: 413, contentType: "text/plain",
                    body: "callback body over \(CallbackServer.maxBodyBytes) bytes\n"))
            return
        }
        let target = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = target.first.map(String.init) ?? ""
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
        let rest = "/" + parts.dropFirst(2).joined(separator: "/")
        let callback = InboundCallback(
            method: head.method.rawValue, path: rest, query: target.count > 1 ? String(target[1]) : "",
            headers: head.headers.map { HTTPHeader($0.name, $0.value) }, body: body)
        processor.handle(instance: String(parts[1]), callback: callback, answer: answer)
    }

    private func write(_ answer: CallbackProcessor.Answer, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: answer.contentType)
        if let location = answer.location {
            headers.add(name: "Location", value: location)
            headers.add(name: "Cache-Control", value: "no-store")  // every click must reach us to be counted
        }
        headers.add(name: "Content-Length", value: "\(answer.body.utf8.count)")
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: answer.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: answer.body.utf8.count)
        buffer.writeString(answer.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        waitingSince = .now()
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
