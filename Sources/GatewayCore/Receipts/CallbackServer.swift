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
                // A vendor that half-closes after its last push still reads the answers (see CallbackHandler).
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                .childChannelInitializer { channel in
                    // Over the cap, a new connection is closed at once (its descriptor is freed right away).
                    guard connections.acquire() else {
                        return channel.close()
                    }
                    channel.closeFuture.whenComplete { _ in connections.release() }
                    // The request decoder only: answers are few fixed shapes, encoded by the handler in one buffer
                    // (NIO's response encoder, pipelining and header-validation handlers cost more per callback
                    // than the receipt itself), and the handler keeps pipelined requests in order.
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
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
