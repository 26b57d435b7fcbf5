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

    /// Binds the socket (replacing a stale socket file) with mode 0660 and starts serving.
    /// - Parameters:
    ///   - path: the socket file path.
    ///   - service: what answers requests.
    ///   - logger: for bind failures, connection errors and refused requests.
    ///   - access: who may do what, decided per connection from the peer's `SO_PEERCRED` credentials;
    ///     unrestricted by default (the socket's file mode is the only gate).
    public init(
        path: String, service: ControlService, logger: Logger, access: AccessPolicy = .unrestricted
    ) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let maxLineBytes = service.maxLineBytes
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // Create the file with 0660 from the start (no window where it is wider), then chmod to be sure.
        let previousMask = umask(0o117)
        defer { umask(previousMask) }
        do {
            channel = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.allowRemoteHalfClosure, value: true)
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
            throw error
        }
        chmod(path, 0o660)
        self.group = group
        self.path = path
        logger.info("control socket listening", metadata: ["socket": "\(path)"])
    }

    /// Stops accepting connections; open connections stay until `shutdown()`.
    public func stopAccepting() {
        try? channel.close().wait()
    }

    /// Closes everything and removes the socket file.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
        unlink(path)
    }
}
