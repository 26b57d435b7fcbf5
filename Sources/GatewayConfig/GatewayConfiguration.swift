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
    /// The channel instances, sorted by name.
    public var channels: [ChannelInstanceConfiguration]

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
    public init(
        socketPath: String = "/run/channel-gateway/gateway.sock",
        stateDirectory: String = "/var/lib/channel-gateway",
        channelsDirectory: String = "channels.d",
        dedupWindow: Duration = .seconds(7 * 86_400),
        maxLineBytes: Int = 1_048_576,
        maxPendingWrites: Int = 50_000,
        drainTimeout: Duration = .seconds(10),
        logLevel: String = "info",
        channels: [ChannelInstanceConfiguration] = []
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
    }
}
