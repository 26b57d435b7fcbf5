import Foundation
public import Logging
import NIOCore
import NIOPosix

/// The control socket: a Unix stream socket speaking newline-delimited JSON (docs/protocol.md).
public final class ControlServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The socket path.
    public let path: String
    /// The bound socket file's identity: at shutdown the file is removed only if it is still ours.
    private let identity: FileIdentity?

    /// Binds the socket with mode 0660 and starts serving. A socket file nobody answers on is stale and replaced;
    /// one a live daemon answers on is never touched.
    /// - Parameters:
    ///   - path: the socket file path.
    ///   - service: what answers requests.
    ///   - logger: for bind failures, connection errors and refused requests.
    ///   - access: who may do what, decided per connection from the peer's `SO_PEERCRED` credentials;
    ///     unrestricted by default (the socket's file mode is the only gate).
    public init(
        path: String, service: ControlService, logger: Logger, access: AccessPolicy = .unrestricted
    ) throws(StartupError) {
        let maxLineBytes = service.maxLineBytes
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw .socket(path, reason: "the path is longer than a Unix socket path may be (107 bytes)")
        }
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw .socket(path, reason: "cannot create its directory: \(error.localizedDescription)")
            }
        }
        if UnixSocketProbe.answers(path) { throw .socketInUse(path) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // Create the file with 0660 from the start (no window where it is wider), then chmod to be sure.
        let previousMask = umask(0o117)
        defer { umask(previousMask) }
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
                // Bounded memory and fair turns: a client that does not read stops being read once this much is
                // unsent, and each connection gets one read of at most 64 KiB per turn of the event loop.
                .childChannelOption(.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
                .childChannelOption(.maxMessagesPerRead, value: 1)
                .childChannelOption(
                    .recvAllocator,
                    value: AdaptiveRecvByteBufferAllocator(minimum: 1024, initial: 16_384, maximum: 65_536)
                )
                .childChannelInitializer { channel in
                    // Credentials are read once per connection, before any request is handled.
                    PeerCredentials.read(from: channel, withGroups: access.needsGroups).flatMapThrowing { peer in
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(LineFrameDecoder(maxLineBytes: maxLineBytes))
                        )
                        try channel.pipeline.syncOperations.addHandler(
                            ControlConnectionHandler(
                                service: service, access: access.level(for: peer), peer: peer, logger: logger
                            )
                        )
                    }
                }
                .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
                .wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw .socket(path, reason: UnixSocketProbe.explain(error))
        }
        chmod(path, 0o660)
        self.group = group
        self.path = path
        self.identity = FileIdentity(path: path)
        logger.info("control socket listening", metadata: ["socket": "\(path)"])
    }

    /// Stops accepting connections; open connections stay until `shutdown()`.
    public func stopAccepting() {
        try? channel.close().wait()
    }

    /// Closes everything and removes the socket file, unless another process has replaced it since.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        if let identity, FileIdentity(path: path) == identity { unlink(path) }
    }
}
