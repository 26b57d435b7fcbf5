import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// What the test server saw, shared between its event loops and the test.
final class ServerStats: Sendable {
    private struct Counts {
        var connections = 0
        var requests = 0
        var customHeaderValues: [String] = []
    }

    private let counts = Mutex(Counts())

    var connections: Int { counts.withLock { $0.connections } }
    var requests: Int { counts.withLock { $0.requests } }
    var customHeaderValues: [String] { counts.withLock { $0.customHeaderValues } }

    func connectionOpened() { counts.withLock { $0.connections += 1 } }

    func requestReceived(customHeader: String?) {
        counts.withLock { counts in
            counts.requests += 1
            if let customHeader { counts.customHeaderValues.append(customHeader) }
        }
    }
}

/// An HTTP/1.1 server on 127.0.0.1 and a random port, with the routes the transport tests need:
/// `/ok` (200, echoes the body, adds `X-Test: ok`), `/status/503`, `/slow` (never answers), `/big` (200, 2 MiB),
/// `/big/500` (500, 2 MiB), `/big-chunked` (200, 2 MiB chunked), `/close` (hangs up after reading the request)
/// and `/cut` (a 200 cut off part-way through its body).
struct TestHTTPServer {
    let port: Int
    let stats: ServerStats
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    static func start() async throws -> TestHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let stats = ServerStats()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                stats.connectionOpened()
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(RouteHandler(stats: stats))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestHTTPServer(port: channel.localAddress?.port ?? 0, stats: stats, group: group, channel: channel)
    }

    /// A port nothing listens on: bound once, then closed.
    static func refusedPort() async throws -> Int {
        let server = try await start()
        let port = server.port
        try await server.stop()
        return port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Closes the listener and every connection (held `/slow` requests included).
    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }
}

private final class RouteHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let stats: ServerStats
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()

    init(stats: ServerStats) { self.stats = stats }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            stats.requestReceived(customHeader: head.headers.first(name: "X-Custom"))
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        switch head.uri {
        case "/ok":
            var headers = HTTPHeaders([("X-Test", "ok")])
            if let custom = head.headers.first(name: "X-Custom") { headers.add(name: "X-Echo-Custom", value: custom) }
            write(context: context, head: head, status: .ok, headers: headers, body: body)
        case "/status/503":
            write(context: context, head: head, status: .serviceUnavailable, body: ByteBuffer(string: "unavailable"))
        case "/slow":
            break  // Never answers: the client's timeout (or the server's stop) ends it.
        case "/big":
            let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 2 << 20)
            write(context: context, head: head, status: .ok, body: big)
        case "/big/500":
            let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 2 << 20)
            write(context: context, head: head, status: .internalServerError, body: big)
        case "/big-chunked":
            // No Content-Length: only reading the body tells the client it is too long.
            let response = HTTPResponseHead(version: head.version, status: .ok)
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            for _ in 0..<32 {
                let piece = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 << 10)
                context.write(wrapOutboundOut(.body(.byteBuffer(piece))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        case "/close":
            context.close(promise: nil)  // Read the request, hang up without a word.
        case "/cut":
            // A 200 that promises 100 bytes, sends 10 and hangs up.
            let response = HTTPResponseHead(
                version: head.version, status: .ok, headers: HTTPHeaders([("Content-Length", "100")]))
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            let start = ByteBuffer(string: "{\"code\":\"O")
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(start)))).whenComplete { _ in
                context.close(promise: nil)
            }
        default:
            write(context: context, head: head, status: .notFound, body: ByteBuffer())
        }
    }

    private func write(
        context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus,
        headers: HTTPHeaders = [:], body: ByteBuffer
    ) {
        var headers = headers
        headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        let response = HTTPResponseHead(version: head.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
