public import ChannelKit
import Foundation

/// The whole gateway configuration: `gateway.yaml` plus every instance in its channels directory.
///
/// `gateway.yaml` keys (all optional; unknown keys are errors):
/// - `socket` (path; default `/run/channel-gateway/gateway.sock`): the clients' Unix socket, at most 107 bytes.
/// - `state_dir` (path; default `/var/lib/channel-gateway`): the durable state.
/// - `channels_dir` (path; default `channels.d`): the instance files; relative to `gateway.yaml`'s folder.
/// - `dedup_window` (duration, 1m...366d; default 7d): how long a message ID is remembered.
/// - `max_line_bytes` (integer, 1024...67108864; default 1048576): the longest request line accepted.
/// - `max_pending_writes` (integer, 100...10000000; default 50000): the intake queue bound; beyond it clients
///   are told `overloaded`.
/// - `drain_timeout` (duration, 0s...10m; default 10s): how long a stop waits for in-flight sends.
/// - `log_level` (trace, debug, info, notice, warning, error or critical; default info).
/// - `log_format` (`text` or `json`; default text): journald-friendly lines, or one JSON object per line for
///   log shippers.
/// - `retention` (duration, 1d...3650d; default 90d): finished messages (and their attempts and receipts)
///   created longer ago than this are pruned in the background, oldest first, and so are receipts that never met
///   their message once received that long ago; queued messages never are.
/// - `strict` (true or false; default false): warnings, such as a secret written inline, become errors.
/// - `store_encryption_key` (secret: `credential:NAME`, `env:NAME` or `file:PATH`; default none): 32 bytes as 64
///   hex digits or base64. When set, recipients, content, parameters and client dedup keys are stored
///   AES-256-GCM encrypted and dedup keys as HMAC-SHA256; keep the key, or those rows cannot be read back.
/// - `allowed_uids` (list of user names or numeric uids): peers (by `SO_PEERCRED`) with full access: every
///   operation, `send` included.
/// - `allowed_groups` (list of group names or numeric gids): full access for peers in one of these groups
///   (primary or supplementary).
/// - `read_only_uids` (list of user names or uids): peers allowed the read operations only (`status`, `stats`,
///   `subscribe`, `channels`, `health`).
/// - `read_only_groups` (list of group names or gids): read access for peers in one of these groups.
///
/// - `listen` (`IPV4:PORT` or `off`; default `127.0.0.1:8780`): the HTTP listener for vendor callbacks at
///   `/callbacks/<instance>`; port 0 picks a free port (reported by `health`).
/// - `ca_file` (path; default the system's CA certificates): a PEM bundle that replaces the system CA
///   certificates for vendor connections (private deployments, test stubs).
/// - `public_base_url` (URL; default none): where customers reach the listener's `/t/<token>` route (through
///   the bank's reverse proxy); needed for sends with `track_links: true`.
/// - `webhook` (mapping; default none): the outbox to the bank's CRM. `url` (required), `secret` (required,
///   `credential:`/`env:`/`file:`; the HMAC-SHA256 key), `batch_size` (1...10000; default 100), `max_backoff`
///   (1s...1h; default 10m), `timeout` (100ms...2m; default 10s). See ``WebhookConfiguration``.
/// - `timezone`, `frequency_caps`, `quiet_hours`, `optout_keywords`: see ``PolicyConfiguration``.
/// - `strategies_dir` (path; default `strategies.d`): the strategy files (`NAME.yaml`, see ``StrategyLoader``);
///   relative to `gateway.yaml`'s folder. A missing directory means no strategies.
/// - `strategies` (mapping): engine and affinity settings, see ``StrategySettings``.
/// - `privacy` (mapping): `pseudonym_key` (secret, `credential:`/`env:`/`file:`; default none): the key of the
///   keyed hashes that replace a forgotten customer and draw holdouts (64 hex digits, base64 of 32 bytes, or any
///   text of at least 16 bytes); else `store_encryption_key`, else a key generated into the state directory.
///
/// - `store` (mapping; default `{backend: sqlite}`): `backend` is `sqlite` (the store in `state_dir`, one host) or
///   `postgresql` (one database shared by several gatewayd hosts; `url`, `pool`, `node_name`, `lease`: see
///   ``PostgresStoreConfiguration``).
///
/// Names are resolved when the file is loaded (an unknown name is an error at its position). When none of the
/// four access keys is set, whoever can open the socket (file mode 0660) has full access. When any is set,
/// peers not listed are refused; uid 0 and the daemon's own uid always have full access.
public struct GatewayConfiguration: Sendable {
    /// The `log_level` values, most verbose first.
    public static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// The clients' Unix socket path.
    public var socketPath: String
    /// The state directory.
    public var stateDirectory: String
    /// The channels directory, already resolved against `gateway.yaml`'s folder.
    public var channelsDirectory: String
    /// How long a message ID is remembered for deduplication.
    public var dedupWindow: Duration
    /// The longest request line accepted, in bytes.
    public var maxLineBytes: Int
    /// The intake queue bound.
    public var maxPendingWrites: Int
    /// How long a stop waits for in-flight sends.
    public var drainTimeout: Duration
    /// The log level name.
    public var logLevel: String
    /// `text` or `json`.
    public var logFormat = "text"
    /// How long finished messages are kept.
    public var retention: Duration = .seconds(90 * 86_400)
    /// Whether warnings are errors.
    public var strict = false
    /// The key that encrypts personal fields at rest, if any.
    public var storeEncryptionKey: Secret?
    /// The channel instances, sorted by name.
    public var channels: [ChannelInstanceConfiguration]
    /// `allowed_uids`, resolved; `nil` when not set.
    public var allowedUIDs: [UInt32]?
    /// `allowed_groups`, resolved to gids; `nil` when not set.
    public var allowedGroups: [UInt32]?
    /// `read_only_uids`, resolved; `nil` when not set.
    public var readOnlyUIDs: [UInt32]?
    /// `read_only_groups`, resolved to gids; `nil` when not set.
    public var readOnlyGroups: [UInt32]?
    /// The callback listener's address, or `nil` when `listen: off`.
    public var listen: ListenEndpoint? = ListenEndpoint(host: "127.0.0.1", port: 8780)
    /// The webhook outbox, if configured.
    public var webhook: WebhookConfiguration?
    /// The public base of tracked links, if click tracking is set up.
    public var publicBaseURL: String?
    /// The CA bundle for vendor TLS, if not the system's.
    public var caFile: String?
    /// Caps, quiet hours and opt-out keywords.
    public var policy = PolicyConfiguration()
    /// The strategies directory, already resolved against `gateway.yaml`'s folder.
    public var strategiesDirectory = "strategies.d"
    /// The strategies, sorted by name.
    public var strategies: [StrategyDefinition] = []
    /// `strategies:` of `gateway.yaml`.
    public var strategySettings = StrategySettings()
    /// `privacy.pseudonym_key`, if set.
    public var pseudonymKey: Secret?
    /// Where the state is kept.
    public var store = StoreBackend.sqlite

    /// - Parameters:
    ///   - socketPath: default `/run/channel-gateway/gateway.sock`.
    ///   - stateDirectory: default `/var/lib/channel-gateway`.
    ///   - channelsDirectory: default `channels.d`.
    ///   - dedupWindow: default 7 days.
    ///   - maxLineBytes: default 1 MiB.
    ///   - maxPendingWrites: default 50,000.
    ///   - drainTimeout: default 10s.
    ///   - logLevel: default `info`.
    ///   - channels: default none.
    ///   - allowedUIDs: default not set.
    ///   - allowedGroups: default not set.
    ///   - readOnlyUIDs: default not set.
    ///   - readOnlyGroups: default not set.
    public init(
        socketPath: String = "/run/channel-gateway/gateway.sock",
        stateDirectory: String = "/var/lib/channel-gateway",
        channelsDirectory: String = "channels.d",
        dedupWindow: Duration = .seconds(7 * 86_400),
        maxLineBytes: Int = 1_048_576,
        maxPendingWrites: Int = 50_000,
        drainTimeout: Duration = .seconds(10),
        logLevel: String = "info",
        channels: [ChannelInstanceConfiguration] = [],
        allowedUIDs: [UInt32]? = nil,
        allowedGroups: [UInt32]? = nil,
        readOnlyUIDs: [UInt32]? = nil,
        readOnlyGroups: [UInt32]? = nil
    ) {
        self.socketPath = socketPath
        self.stateDirectory = stateDirectory
        self.channelsDirectory = channelsDirectory
        self.dedupWindow = dedupWindow
        self.maxLineBytes = maxLineBytes
        self.maxPendingWrites = maxPendingWrites
        self.drainTimeout = drainTimeout
        self.logLevel = logLevel
        self.channels = channels
        self.allowedUIDs = allowedUIDs
        self.allowedGroups = allowedGroups
        self.readOnlyUIDs = readOnlyUIDs
        self.readOnlyGroups = readOnlyGroups
    }

    /// The HMAC key bytes of `pseudonym_key`: 64 hex digits or base64 of 32 bytes are decoded, any other text
    /// (at least 16 bytes) is used as its UTF-8 bytes; `nil` when not set.
    public var pseudonymKeyBytes: [UInt8]? {
        pseudonymKey.map { Self.decodeKey($0) ?? Array($0.reveal().utf8) }
    }

    /// The 32 key bytes of a `store_encryption_key` value (64 hex digits or base64), or `nil` if malformed.
    public static func decodeKey(_ secret: Secret) -> [UInt8]? {
        let text = secret.reveal().trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count == 64, text.allSatisfy(\.isHexDigit) {
            var bytes: [UInt8] = []
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                bytes.append(UInt8(text[index..<next], radix: 16)!)
                index = next
            }
            return bytes
        }
        guard let data = Data(base64Encoded: text), data.count == 32 else { return nil }
        return Array(data)
    }
}
