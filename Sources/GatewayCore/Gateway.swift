import ChannelKit
import Foundation
public import GatewayConfig
import GatewayTransport
public import Logging

/// The daemon's parts wired together: store, transport, dispatcher and control socket, started in order and
/// drained in reverse.
public final class Gateway: @unchecked Sendable {
    // Set once in start() and read by shutdown(), both on the main thread.
    private let configuration: GatewayConfiguration
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let wallClock: any WallClock
    private let monotonicClock: any MonotonicClock
    private var store: MessageStore?
    private var transport: CurlTransport?
    private var dispatcher: Dispatcher?
    private var service: ControlService?
    private var server: ControlServer?

    /// - Parameters:
    ///   - configuration: a validated configuration.
    ///   - logger: the root logger.
    ///   - notifier: systemd notifications (a no-op outside systemd).
    ///   - wallClock: wall time.
    ///   - monotonicClock: monotonic time.
    public init(
        configuration: GatewayConfiguration, logger: Logger, notifier: SystemdNotifier,
        wallClock: any WallClock = SystemWallClock(), monotonicClock: any MonotonicClock = SystemMonotonicClock()
    ) {
        self.configuration = configuration
        self.logger = logger
        self.notifier = notifier
        self.wallClock = wallClock
        self.monotonicClock = monotonicClock
    }

    /// Opens the store, resumes queued messages, binds the socket and tells systemd it is ready.
    public func start() throws {
        let store = try MessageStore(
            directory: configuration.stateDirectory, dedupWindow: configuration.dedupWindow,
            maxPendingAccepts: configuration.maxPendingWrites, clock: wallClock, logger: logger
        )
        self.store = store
        let queued = try store.queuedCounts()
        let resumed = queued.values.reduce(0, +)
        let transport = CurlTransport(
            configuration: TransportConfiguration(
                maxConnectionsPerHost: max(64, configuration.channels.map(\.concurrency).max() ?? 64)
            ),
            logger: logger
        )
        transport.start()
        self.transport = transport
        let dispatcher = Dispatcher(
            channels: configuration.channels, queuedCounts: queued, store: store, transport: transport,
            wallClock: wallClock, monotonicClock: monotonicClock, logger: logger
        )
        store.onCommit { counts in dispatcher.messagesCommitted(counts) }
        try dispatcher.start()
        self.dispatcher = dispatcher
        let service = ControlService(
            channels: configuration.channels, store: store, dispatcher: dispatcher, wallClock: wallClock,
            maxLineBytes: configuration.maxLineBytes
        )
        self.service = service
        server = try ControlServer(path: configuration.socketPath, service: service, logger: logger)
        logger.info(
            "gateway ready",
            metadata: [
                "channels": "\(configuration.channels.map(\.name).joined(separator: ","))",
                "resumed_messages": "\(resumed)", "store": "\(store.databasePath)",
            ]
        )
        notifier.notify("READY=1\nSTATUS=serving \(configuration.channels.count) channels")
    }

    /// Stops taking messages, lets transfers in flight finish (up to `drain_timeout`), commits their outcomes
    /// and closes. Messages not yet sent stay queued for the next start.
    public func shutdown() {
        notifier.notify("STOPPING=1")
        logger.info("draining", metadata: ["timeout": "\(ConfigDuration.format(configuration.drainTimeout))"])
        service?.beginDrain()
        server?.stopAccepting()
        let unfinished = dispatcher?.drain(timeout: configuration.drainTimeout) ?? 0
        if unfinished > 0 {
            logger.warning("drain timeout: transfers still in flight stay queued", metadata: ["count": "\(unfinished)"])
        }
        transport?.shutdown()
        store?.close()
        server?.shutdown()
        logger.info("stopped")
    }
}
