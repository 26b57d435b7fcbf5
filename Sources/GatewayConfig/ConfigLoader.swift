public import ChannelKit
internal import Foundation

/// Loads `gateway.yaml` and every `*.yaml` file of its channels directory into a ``GatewayConfiguration``.
///
/// Every other file there is a warning (`.yml` included), except `*.sample` files, which are left alone.
/// Every file is read and checked even after errors, so one load reports all problems at once. Files larger
/// than 1 MiB are refused. Secrets (`credential:`, `env:`, `file:`) are resolved under `settings:` only, then
/// each instance's ``ChannelKind`` factory builds its adapter. Keys are documented on ``GatewayConfiguration``
/// and ``ChannelInstanceConfiguration``. Nothing touches the network.
public struct ConfigLoader: Sendable {
    /// The keys of a `channels.d` file.
    static let channelKeys = [
        "type", "vendor", "rate_limit", "retry", "timeout", "concurrency", "failover", "send_window",
        "max_concurrent_calls", "call_slot_timeout", "poll_receipts", "on_ambiguous", "settings",
    ]
    /// The keys of `gateway.yaml`.
    static let gatewayKeys =
        [
            "socket", "state_dir", "channels_dir", "dedup_window", "max_line_bytes", "max_pending_writes",
            "drain_timeout", "log_level", "log_format", "retention", "strict",
            "store_encryption_key", "allowed_uids", "allowed_groups",
            "read_only_uids", "read_only_groups", "listen", "ca_file", "public_base_url", "webhook",
            "strategies_dir", "strategies", "privacy", "store",
        ] + policyKeys

    /// The process environment, the default for `env:` references.
    public static var processEnvironment: [String: String] { ProcessInfo.processInfo.environment }
    /// `$CREDENTIALS_DIRECTORY` of the process, the default for `credential:` references.
    public static var processCredentialsDirectory: String? { processEnvironment["CREDENTIALS_DIRECTORY"] }

    let kinds: [ChannelKind]
    let resolver: SecretResolver

    /// - Parameters:
    ///   - kinds: the channel kinds `type:` may name.
    ///   - environment: the variables `env:NAME` reads; the process environment by default.
    ///   - credentialsDirectory: where `credential:NAME` files are; `$CREDENTIALS_DIRECTORY` by default.
    public init(
        kinds: [ChannelKind],
        environment: [String: String] = ConfigLoader.processEnvironment,
        credentialsDirectory: String? = ConfigLoader.processCredentialsDirectory
    ) {
        self.kinds = kinds
        self.resolver = SecretResolver(environment: environment, credentialsDirectory: credentialsDirectory)
    }

    /// Loads the configuration whose global file is `path`.
    /// - Parameter path: the `gateway.yaml` path; a relative `channels_dir` is taken from its folder.
    /// - Returns: the configuration (or `nil` on any error) and every issue, sorted by file, line and column.
    public func load(path: String) -> ConfigLoadResult {
        let issues = ConfigIssueCollector()
        var configuration = GatewayConfiguration()
        var channelsDirMark = ConfigMark(file: path, line: 1, column: 1)
        var strategiesDirMark = channelsDirMark
        var affinityMarks: [(type: String, instance: String, mark: ConfigMark)] = []

        if let root = parse(path, issues: issues),
            let map = ConfigMap(root, context: "gateway", keys: Self.gatewayKeys, issues: issues)
        {
            if map.contains("channels_dir") { channelsDirMark = map.mark(of: "channels_dir") }
            if map.contains("strategies_dir") { strategiesDirMark = map.mark(of: "strategies_dir") }
            read(map, into: &configuration, issues: issues)
            affinityMarks = readStrategies(map, into: &configuration, issues: issues)
        }
        configuration.channelsDirectory = ConfigPath.resolve(
            configuration.channelsDirectory,
            relativeToFolderOf: path
        )
        configuration.channels = loadChannels(
            in: configuration.channelsDirectory,
            mark: channelsDirMark,
            issues: issues
        )
        // Strategies are checked against the instances that loaded.
        let channelTypes = Dictionary(configuration.channels.map { ($0.name, $0.kind) }) { first, _ in first }
        StrategySettings.checkInstances(affinityMarks, channels: channelTypes, issues: issues)
        configuration.strategiesDirectory = ConfigPath.resolve(
            configuration.strategiesDirectory,
            relativeToFolderOf: path
        )
        configuration.strategies = StrategyLoader.loadDirectory(
            configuration.strategiesDirectory, mark: strategiesDirMark, channels: channelTypes,
            settings: configuration.strategySettings, issues: issues)
        // `strict: true` turns every warning (an inline secret, say) into an error that stops the load.
        let found = issues.issues.map { issue in
            var issue = issue
            if configuration.strict { issue.severity = .error }
            return issue
        }
        let sorted = found.enumerated().sorted { left, right in
            let (a, b) = (left.element.mark, right.element.mark)
            if a.file != b.file { return a.file < b.file }
            if a.line != b.line { return a.line < b.line }
            if a.column != b.column { return a.column < b.column }
            return left.offset < right.offset
        }.map(\.element)
        let failed = sorted.contains { $0.severity == .error }
        return ConfigLoadResult(configuration: failed ? nil : configuration, issues: sorted)
    }

    // MARK: - gateway.yaml

    private func read(_ map: ConfigMap, into configuration: inout GatewayConfiguration, issues: ConfigIssueCollector) {
        if let socket = nonEmptyPath("socket", in: map) {
            if socket.utf8.count > 107 {
                map.error("socket", "'socket' must be at most 107 bytes long (a Unix socket path limit)")
            } else {
                configuration.socketPath = socket
            }
        }
        if let state = nonEmptyPath("state_dir", in: map) { configuration.stateDirectory = state }
        if let channels = nonEmptyPath("channels_dir", in: map) { configuration.channelsDirectory = channels }
        if let window = map.duration("dedup_window", in: .seconds(60)...(.seconds(366 * 86_400))) {
            configuration.dedupWindow = window
        }
        if let bytes = map.int("max_line_bytes", in: 1024...67_108_864) { configuration.maxLineBytes = bytes }
        if let pending = map.int("max_pending_writes", in: 100...10_000_000) {
            configuration.maxPendingWrites = pending
        }
        if let drain = map.duration("drain_timeout", in: .zero...(.seconds(600))) {
            configuration.drainTimeout = drain
        }
        if let level = map.choice("log_level", GatewayConfiguration.logLevels) { configuration.logLevel = level }
        if let format = map.choice("log_format", ["text", "json"]) { configuration.logFormat = format }
        if let retention = map.duration("retention", in: .seconds(86_400)...(.seconds(3650 * 86_400))) {
            configuration.retention = retention
        }
        if let strict = map.bool("strict") { configuration.strict = strict }
        if let node = map.node("store_encryption_key") {
            // Only this key of gateway.yaml is a secret; resolve it alone, then read it like any secret.
            let resolved = resolver.resolve(node, issues: issues)
            let before = issues.errorCount
            let single = ConfigMap(
                .mapping(
                    [ConfigEntry(key: ConfigScalar(text: "store_encryption_key", mark: map.mark), value: resolved)],
                    map.mark),
                context: "gateway", keys: ["store_encryption_key"], issues: issues
            )
            if let secret = single?.secret("store_encryption_key"), issues.errorCount == before {
                if GatewayConfiguration.decodeKey(secret) == nil {
                    issues.error(
                        node.mark,
                        "'store_encryption_key' must be 32 bytes written as 64 hex digits or as base64"
                    )
                } else {
                    configuration.storeEncryptionKey = secret
                }
            }
        }
        configuration.allowedUIDs = identities("allowed_uids", groups: false, in: map, issues: issues)
        configuration.allowedGroups = identities("allowed_groups", groups: true, in: map, issues: issues)
        configuration.readOnlyUIDs = identities("read_only_uids", groups: false, in: map, issues: issues)
        configuration.readOnlyGroups = identities("read_only_groups", groups: true, in: map, issues: issues)
        if let listen = map.scalar("listen") {
            if listen.text == "off" {
                configuration.listen = nil
            } else if let endpoint = ListenEndpoint(listen.text) {
                configuration.listen = endpoint
            } else {
                issues.error(
                    listen.mark, "expected 'listen' as IPv4:PORT (e.g. 127.0.0.1:8780) or off, found '\(listen.text)'")
            }
        }
        if let caFile = nonEmptyPath("ca_file", in: map) {
            if FileManager.default.isReadableFile(atPath: caFile) {
                configuration.caFile = caFile
            } else {
                map.error("ca_file", "'ca_file' \(caFile) cannot be read")
            }
        }
        if let base = map.scalar("public_base_url") {
            if base.text.hasPrefix("https://") || base.text.hasPrefix("http://") {
                configuration.publicBaseURL = base.text
            } else {
                issues.error(base.mark, "'public_base_url' must start with https:// or http://, found '\(base.text)'")
            }
        }
        if let webhook = map.map("webhook", keys: ["url", "secret", "batch_size", "max_backoff", "timeout"]) {
            let url = webhook.string("url", required: true)
            if let url, !url.hasPrefix("https://"), !url.hasPrefix("http://") {
                webhook.error("url", "'url' must start with https:// or http://")
            }
            let secretNode = webhook.node("secret")
            var secret: Secret?
            if let secretNode {
                let resolved = resolver.resolve(secretNode, issues: issues)
                if case .scalar(let scalar) = resolved {
                    secret = scalar.secret
                    if secret == nil {
                        issues.warning(
                            scalar.mark,
                            "'secret' holds a secret written inline; use credential:NAME, env:NAME or file:PATH")
                        secret = Secret(scalar.text)
                    }
                }
            } else {
                issues.error(webhook.mark, "missing required key 'secret' in 'webhook' (the HMAC-SHA256 key)")
            }
            let batch = webhook.int("batch_size", in: 1...10_000) ?? 100
            let backoff = webhook.duration("max_backoff", in: .seconds(1)...(.seconds(3600))) ?? .seconds(600)
            let timeout = webhook.duration("timeout", in: .milliseconds(100)...(.seconds(120))) ?? .seconds(10)
            if let url, let secret {
                configuration.webhook = WebhookConfiguration(
                    url: url, secret: secret, batchSize: batch, maxBackoff: backoff, timeout: timeout)
            }
        }
        configuration.policy = readPolicy(map, issues: issues)
        if let store = readStore(map, issues: issues) { configuration.store = store }
    }

    /// Reads `strategies_dir`, `strategies:` and `privacy:`; returns where each `affinity.instances` name is, to be
    /// checked once the channels are loaded.
    private func readStrategies(
        _ map: ConfigMap, into configuration: inout GatewayConfiguration, issues: ConfigIssueCollector
    ) -> [(type: String, instance: String, mark: ConfigMark)] {
        if let directory = nonEmptyPath("strategies_dir", in: map) { configuration.strategiesDirectory = directory }
        if let privacy = map.map("privacy", keys: ["pseudonym_key"]), let node = privacy.node("pseudonym_key") {
            let resolved = resolver.resolve(node, issues: issues)
            if case .scalar(let scalar) = resolved {
                if let secret = scalar.secret {
                    configuration.pseudonymKey = secret
                } else {
                    issues.warning(
                        scalar.mark,
                        "'pseudonym_key' holds a secret written inline; use credential:NAME, env:NAME or file:PATH")
                    configuration.pseudonymKey = Secret(scalar.text)
                }
                if let key = configuration.pseudonymKey, !key.reveal().isEmpty,
                    GatewayConfiguration.decodeKey(key) == nil, key.reveal().utf8.count < 16
                {
                    issues.error(
                        scalar.mark,
                        "'pseudonym_key' must be at least 16 bytes (or 32 bytes as 64 hex digits or base64)")
                }
            } else {
                issues.error(resolved.mark, "expected a single value for 'pseudonym_key', found \(resolved.kindName)")
            }
        }
        guard let section = map.map("strategies", keys: StrategySettings.keys) else { return [] }
        let read = StrategySettings.read(section, channelTypes: kinds.map(\.name), issues: issues)
        configuration.strategySettings = read.settings
        return read.instanceMarks
    }

    /// Reads a list of numeric ids or names, resolving names with `getpwnam`/`getgrnam` now.
    private func identities(
        _ key: String, groups: Bool, in map: ConfigMap, issues: ConfigIssueCollector
    ) -> [UInt32]? {
        guard let scalars = map.scalarList(key) else { return nil }
        var ids: [UInt32] = []
        for scalar in scalars {
            if let id = UInt32(scalar.text), id != UInt32.max {
                ids.append(id)
            } else if groups, let entry = getgrnam(scalar.text) {
                ids.append(entry.pointee.gr_gid)
            } else if !groups, let entry = getpwnam(scalar.text) {
                ids.append(entry.pointee.pw_uid)
            } else {
                issues.error(scalar.mark, "unknown \(groups ? "group" : "user") '\(scalar.text)' in '\(key)'")
            }
        }
        return ids
    }

    private func nonEmptyPath(_ key: String, in map: ConfigMap) -> String? {
        guard let scalar = map.scalar(key) else { return nil }
        guard !scalar.text.isEmpty else {
            map.error(key, "'\(key)' must not be empty")
            return nil
        }
        return scalar.text
    }

    // MARK: - channels.d

    private func loadChannels(
        in directory: String,
        mark: ConfigMark,
        issues: ConfigIssueCollector
    ) -> [ChannelInstanceConfiguration] {
        let names: [String]
        switch ConfigFileReader.list(directory) {
        case .success(let list):
            names = list.filter { $0.hasSuffix(".yaml") }.sorted()
            // A channel whose file is not loaded would just be missing: say so for every such file.
            for name in list.sorted() where !name.hasSuffix(".yaml") {
                if let warning = Self.notLoadedWarning(name) {
                    issues.warning(ConfigMark(file: ConfigPath.join(directory, name), line: 1, column: 1), warning)
                }
            }
        case .failure(let failure):
            issues.error(mark, "the channels directory \(directory) \(failure.phrase)")
            return []
        }
        var channels: [ChannelInstanceConfiguration] = []
        for name in names {
            let file = ConfigPath.join(directory, name)
            if let channel = loadChannel(String(name.dropLast(".yaml".count)), file: file, issues: issues) {
                channels.append(channel)
            }
        }
        // A backup must exist and be of the same type (checked once every file is read).
        for channel in channels {
            guard let backup = channel.failover, let mark = channel.failoverMark else { continue }
            if let target = channels.first(where: { $0.name == backup }) {
                if target.kind != channel.kind {
                    issues.error(
                        mark,
                        "'failover' instance '\(backup)' is of type '\(target.kind)', not '\(channel.kind)' like this one"
                    )
                }
            } else if !names.contains(backup + ".yaml") {
                issues.error(mark, "'failover' names no instance: there is no \(backup).yaml in \(directory)")
            }
        }
        return channels
    }

    /// What to tell about a `channels.d` entry that is not a `NAME.yaml` file; `nil` for `*.sample` files,
    /// kept there on purpose (the package's own samples among them).
    static func notLoadedWarning(_ name: String) -> String? {
        if name.hasSuffix(".sample") { return nil }
        if name.hasSuffix(".yml") {
            return "not loaded: channel instances are NAME.yaml files; rename it to \(name.dropLast(4)).yaml"
        }
        return "not loaded: channel instances are NAME.yaml files (a name ending in .sample keeps a file here "
            + "without this warning)"
    }

    private func loadChannel(
        _ name: String,
        file: String,
        issues: ConfigIssueCollector
    ) -> ChannelInstanceConfiguration? {
        let errorsBefore = issues.errorCount
        let fileMark = ConfigMark(file: file, line: 1, column: 1)
        if !Self.isValidInstanceName(name) {
            issues.error(
                fileMark,
                "the instance name '\(name)' (the file name without .yaml) must match [a-z0-9][a-z0-9_-]{0,63}"
            )
        }
        guard let root = parse(file, issues: issues),
            let map = ConfigMap(root, context: name, keys: Self.channelKeys, issues: issues)
        else { return nil }

        let kind = channelKind(map, issues: issues)
        let vendor = kind.flatMap { self.vendor(map, kind: $0, issues: issues) }
        let rateLimit = self.rateLimit(map)
        let retry = self.retry(map)
        let timeout = map.duration("timeout", in: .milliseconds(100)...(.seconds(300))) ?? .seconds(10)
        let concurrency = map.int("concurrency", in: 1...1024) ?? 32
        let failover = map.scalar("failover")
        let maxConcurrentCalls = map.int("max_concurrent_calls", in: 1...10_000)
        var poll: PollConfiguration?
        if let section = map.map("poll_receipts", keys: ["after", "interval", "give_up_after", "per_second"]) {
            poll = PollConfiguration(
                after: section.duration("after", in: .seconds(1)...(.seconds(86_400))) ?? .seconds(120),
                interval: section.duration("interval", in: .seconds(1)...(.seconds(86_400))) ?? .seconds(600),
                giveUpAfter: section.duration("give_up_after", in: .seconds(60)...(.seconds(30 * 86_400)))
                    ?? .seconds(72 * 3600),
                perSecond: section.double("per_second", in: 0.01...1000) ?? 5)
        }
        let callSlotTimeout = map.duration("call_slot_timeout", in: .seconds(10)...(.seconds(7200)))
        let onAmbiguous = map.choice("on_ambiguous", AmbiguousOutcomePolicy.names)
            .flatMap(AmbiguousOutcomePolicy.init(name:))
        var sendWindow: (from: Int, until: Int)?
        if let window = map.scalar("send_window") {
            sendWindow = Self.dailyWindow(window.text)
            if sendWindow == nil {
                issues.error(
                    window.mark, "expected 'send_window' as HH:MM-HH:MM (e.g. 09:00-20:00), found '\(window.text)'")
            }
        }
        if let failover, failover.text == name {
            issues.error(failover.mark, "'failover' names this instance itself; name a backup instance")
        }

        let settings = map.node("settings").map { resolver.resolve($0, issues: issues) }
        let settingsMark = map.contains("settings") ? map.mark(of: "settings") : fileMark
        guard let kind else { return nil }
        if !kind.vendors.isEmpty, vendor == nil { return nil }

        let factoryErrorsBefore = issues.errorCount
        let setup = ChannelKind.Setup(instance: name, vendor: vendor, settings: settings, mark: settingsMark)
        let adapter = kind.make(setup, issues)
        if adapter == nil, issues.errorCount == factoryErrorsBefore {
            issues.error(settingsMark, "channel type '\(kind.name)' could not build instance '\(name)'")
        }
        guard let adapter, issues.errorCount == errorsBefore else { return nil }
        var configuration = ChannelInstanceConfiguration(
            name: name,
            kind: kind.name,
            vendor: vendor,
            rateLimit: rateLimit,
            retry: retry,
            timeout: timeout,
            concurrency: concurrency,
            adapter: adapter,
            file: file
        )
        configuration.failover = failover?.text
        configuration.failoverMark = failover?.mark
        configuration.sendWindow = sendWindow
        configuration.maxConcurrentCalls = maxConcurrentCalls
        if let poll {
            if configuration.capabilities.receiptPolling != nil {
                configuration.pollReceipts = poll
            } else {
                map.error(
                    "poll_receipts",
                    "'poll_receipts' needs a vendor that offers pull receipts; '\(vendor ?? kind.name)' does not")
                return nil
            }
        }
        if let callSlotTimeout { configuration.callSlotTimeout = callSlotTimeout }
        if let onAmbiguous { configuration.onAmbiguous = onAmbiguous }
        return configuration
    }

    private func channelKind(_ map: ConfigMap, issues: ConfigIssueCollector) -> ChannelKind? {
        guard let type = map.scalar("type", required: true) else { return nil }
        if let kind = kinds.first(where: { $0.name == type.text }) { return kind }
        let known = kinds.map(\.name).sorted().joined(separator: ", ")
        issues.error(type.mark, "unknown channel type '\(type.text)'; known types: \(known)")
        return nil
    }

    private func vendor(_ map: ConfigMap, kind: ChannelKind, issues: ConfigIssueCollector) -> String? {
        if kind.vendors.isEmpty {
            if map.contains("vendor") {
                map.error("vendor", "'vendor' is not allowed for channel type '\(kind.name)', which has no vendors")
            }
            return nil
        }
        return map.choice("vendor", kind.vendors, required: true)
    }

    private func rateLimit(_ map: ConfigMap) -> RateLimitConfiguration {
        guard let section = map.map("rate_limit", keys: ["per_second", "burst"]) else {
            return RateLimitConfiguration()
        }
        var perSecond = 100.0
        if let value = section.double("per_second") {
            if value > 0, value <= 1_000_000 {
                perSecond = value
            } else {
                section.error("per_second", "'per_second' must be greater than 0 and at most 1000000")
            }
        }
        var burst: Int?
        if let value = section.int("burst") {
            if value >= 1 {
                burst = value
            } else {
                section.error("burst", "'burst' must be at least 1, found \(value)")
            }
        }
        return RateLimitConfiguration(perSecond: perSecond, burst: burst)
    }

    private func retry(_ map: ConfigMap) -> RetryConfiguration {
        var retry = RetryConfiguration()
        guard let section = map.map("retry", keys: ["attempts", "initial_backoff", "max_backoff"]) else {
            return retry
        }
        if let attempts = section.int("attempts", in: 1...100) { retry.attempts = attempts }
        let initial = section.duration("initial_backoff", in: .milliseconds(1)...(.seconds(3600)))
        let maximum = section.duration("max_backoff", in: .milliseconds(1)...(.seconds(86_400)))
        if let initial { retry.initialBackoff = initial }
        if let maximum { retry.maxBackoff = maximum }
        if (initial != nil || maximum != nil), retry.maxBackoff < retry.initialBackoff {
            section.error(
                maximum != nil ? "max_backoff" : "initial_backoff",
                "'max_backoff' (\(ConfigDuration.format(retry.maxBackoff))) must be at least 'initial_backoff' "
                    + "(\(ConfigDuration.format(retry.initialBackoff)))"
            )
        }
        return retry
    }

    // MARK: - Files

    /// Reads and parses one file, reporting why it cannot be.
    private func parse(_ path: String, issues: ConfigIssueCollector) -> ConfigNode? {
        let mark = ConfigMark(file: path, line: 1, column: 1)
        switch ConfigFileReader.read(path) {
        case .success(let bytes):
            do {
                return try YAMLParser.parse(bytes, file: path)
            } catch {
                issues.error(error.mark, error.message)
                return nil
            }
        case .failure(let failure):
            issues.error(mark, "\(path) \(failure.phrase)")
            return nil
        }
    }

    /// Whether `name` matches `[a-z0-9][a-z0-9_-]{0,63}`.
    static func isValidInstanceName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 64 else { return false }
        func isLowerAlnum(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard isLowerAlnum(first) else { return false }
        return bytes.dropFirst().allSatisfy {
            isLowerAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }
}
