import Foundation
import NIOCore

/// Who is on the other end of a control connection: `SO_PEERCRED` (pid, uid, gid as of `connect`), plus the
/// supplementary groups from `/proc/<pid>/status`.
///
/// The groups are read once, right after accept. If the peer has already exited (or its pid was reused, which
/// needs it to exit first) the list holds only what `/proc` says at that moment; the primary gid always counts.
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    /// Linux's `struct ucred` (pid, uid, gid), which Swift's Glibc module does not export.
    private struct SocketCredential: Sendable {
        var pid: Int32
        var uid: UInt32
        var gid: UInt32
    }

    /// The peer's process id.
    public var pid: Int32
    /// The peer's effective user id.
    public var uid: UInt32
    /// The peer's effective group id.
    public var gid: UInt32
    /// The peer's supplementary groups (may be empty).
    public var groups: [UInt32]

    /// - Parameters:
    ///   - pid: the process id.
    ///   - uid: the effective uid.
    ///   - gid: the effective gid.
    ///   - groups: the supplementary gids.
    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// `uid=… gid=… pid=…`, for logs.
    public var description: String { "uid=\(uid) gid=\(gid) pid=\(pid)" }

    /// Whether `gid` is the primary group or one of the supplementary groups.
    func isMember(of gids: Set<UInt32>) -> Bool {
        gids.contains(gid) || groups.contains(where: gids.contains)
    }

    /// Reads the credentials of a connected Unix socket channel; `nil` if the channel has none.
    /// - Parameters:
    ///   - channel: an accepted Unix domain stream channel.
    ///   - withGroups: whether to read the supplementary groups too (only group rules need them).
    static func read(from channel: any Channel, withGroups: Bool) -> EventLoopFuture<PeerCredentials?> {
        guard let provider = channel as? any SocketOptionProvider else {
            return channel.eventLoop.makeSucceededFuture(nil)
        }
        let future: EventLoopFuture<SocketCredential> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_PEERCRED)
        )
        return future.map { credential -> PeerCredentials? in
            var peer = PeerCredentials(pid: credential.pid, uid: credential.uid, gid: credential.gid)
            if withGroups { peer.groups = supplementaryGroups(ofProcess: credential.pid) }
            return peer
        }.recover { _ in nil }
    }

    /// The `Groups:` line of `/proc/<pid>/status`; empty if it cannot be read.
    static func supplementaryGroups(ofProcess pid: Int32) -> [UInt32] {
        guard pid > 0, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
            return []
        }
        return groups(fromStatus: status)
    }

    /// Parses the `Groups:` line of a `/proc/<pid>/status` text.
    static func groups(fromStatus status: String) -> [UInt32] {
        for line in status.split(separator: "\n") where line.hasPrefix("Groups:") {
            return line.dropFirst("Groups:".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
                .compactMap { UInt32($0) }
        }
        return []
    }
}
