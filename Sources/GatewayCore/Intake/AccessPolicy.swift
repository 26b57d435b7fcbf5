import ControlProtocol
import Foundation
public import GatewayConfig

/// Who may use the control socket, decided per connection from the peer's credentials.
///
/// Without any of `allowed_uids`, `allowed_groups`, `read_only_uids`, `read_only_groups` the policy is
/// unrestricted: file mode 0660 on the socket is the only gate. With any of them, a peer gets full access when
/// its uid is in `allowed_uids` or one of its groups in `allowed_groups`, read access when listed in the
/// `read_only_*` keys, and nothing otherwise. uid 0 and the daemon's own uid always have full access.
public struct AccessPolicy: Sendable, Hashable {
    /// What one connection may do.
    public enum Level: Sendable, Hashable {
        /// Every operation.
        case full
        /// The read operations only (``AccessPolicy/readOperations``).
        case readOnly
        /// Nothing: the first request is answered `forbidden` and the connection is closed.
        case none
    }

    /// The operations a read-only peer may use; every other operation (`send`, `send_batch`, `reload`, and any
    /// added later) needs full access.
    public static let readOperations: Set<String> = Set(ControlOperation.allCases.filter(\.isRead).map(\.rawValue))

    /// Everyone who can open the socket has full access (today's behaviour).
    public static let unrestricted = AccessPolicy(
        fullUIDs: [], fullGroups: [], readUIDs: [], readGroups: [], isRestricted: false, daemonUID: 0
    )

    private let fullUIDs: Set<UInt32>
    private let fullGroups: Set<UInt32>
    private let readUIDs: Set<UInt32>
    private let readGroups: Set<UInt32>
    /// Whether any access key was set.
    public let isRestricted: Bool
    private let daemonUID: UInt32

    private init(
        fullUIDs: Set<UInt32>, fullGroups: Set<UInt32>, readUIDs: Set<UInt32>, readGroups: Set<UInt32>,
        isRestricted: Bool, daemonUID: UInt32
    ) {
        self.fullUIDs = fullUIDs
        self.fullGroups = fullGroups
        self.readUIDs = readUIDs
        self.readGroups = readGroups
        self.isRestricted = isRestricted
        self.daemonUID = daemonUID
    }

    /// The policy of a loaded configuration.
    /// - Parameters:
    ///   - configuration: its `allowed_uids`, `allowed_groups`, `read_only_uids` and `read_only_groups`.
    ///   - daemonUID: the daemon's own uid, always allowed; the process's real uid when `nil`.
    public init(configuration: GatewayConfiguration, daemonUID: UInt32? = nil) {
        let keys = [
            configuration.allowedUIDs, configuration.allowedGroups, configuration.readOnlyUIDs,
            configuration.readOnlyGroups,
        ]
        self.init(
            fullUIDs: Set(configuration.allowedUIDs ?? []), fullGroups: Set(configuration.allowedGroups ?? []),
            readUIDs: Set(configuration.readOnlyUIDs ?? []), readGroups: Set(configuration.readOnlyGroups ?? []),
            isRestricted: keys.contains { $0 != nil }, daemonUID: daemonUID ?? UInt32(getuid())
        )
    }

    /// Whether deciding needs the peer's supplementary groups.
    var needsGroups: Bool { isRestricted && !(fullGroups.isEmpty && readGroups.isEmpty) }

    /// The access of a peer; `nil` credentials (not a Unix socket peer) get full access only when unrestricted.
    public func level(for peer: PeerCredentials?) -> Level {
        guard isRestricted else { return .full }
        guard let peer else { return .none }
        if peer.uid == 0 || peer.uid == daemonUID || fullUIDs.contains(peer.uid) || peer.isMember(of: fullGroups) {
            return .full
        }
        if readUIDs.contains(peer.uid) || peer.isMember(of: readGroups) { return .readOnly }
        return .none
    }

    /// Whether a connection with `level` may run `operation`; an `op` that names no operation (`nil`) is as
    /// any operation added later: it needs full access.
    static func permits(_ level: Level, _ operation: ControlOperation?) -> Bool {
        switch level {
        case .full: true
        case .readOnly: operation?.isRead ?? false
        case .none: false
        }
    }
}
