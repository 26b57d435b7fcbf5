public import ChannelKit
import Crypto
import Foundation
public import GatewayConfig
import GatewayPostgres
import GatewayTransport
public import Logging
import Synchronization

/// The daemon's parts wired together: store, transport, dispatcher and control socket, started in order and
/// drained in reverse.
public final class Gateway: @unchecked Sendable {
    // Set once in start() and read by shutdown(), both on the main thread.
    private var configuration: GatewayConfiguration
    private let configurationPath: String
    private let kinds: [ChannelKind]
    private let reloadLock = NSLock()
    private var fingerprints: [String: String] = [:]
    private let stopping = Atomic<Bool>(false)
    private let logger: Logger
    private let notifier: SystemdNotifier
    private let wallClock: any WallClock
    private let monotonicClock: any MonotonicClock
    private var store: (any MessageStoring)?
    private var transport: CurlTransport?
    private var dispatcher: Dispatcher?
    private var strategyEngine: StrategyEngine?
    private var service: ControlService?
    private var server: ControlServer?
    private var callbackServer: CallbackServer?
    private var webhook: WebhookSender?
    private var poller: ReceiptPoller?
    private var instanceLock: InstanceLock?
    private var health: HealthProbe?
    private var reloads: ReloadCounter?
    private let fatalHandler = HandlerSlot<@Sendable (String) -> Void>()

    /// - Parameters:
    ///   - configuration: a validated configuration.
    ///   - configurationPath: where it was loaded from, for reloads.
    ///   - kinds: the channel kinds compiled in, for reloads.
    ///   - logger: the root logger.
    ///   - notifier: systemd notifications (a no-op outside systemd).
    ///   - wallClock: wall time.
    ///   - monotonicClock: monotonic time.
    public init(
        configuration: GatewayConfiguration, configurationPath: String, kinds: [ChannelKind], logger: Logger,
        notifier: SystemdNotifier,
        wallClock: any WallClock = SystemWallClock(), monotonicClock: any MonotonicClock = SystemMonotonicClock()
    ) {
        self.configuration = configuration
        self.configurationPath = configurationPath
        self.kinds = kinds
        self.logger = logger
        self.notifier = notifier
        self.wallClock = wallClock
        self.monotonicClock = monotonicClock
    }

    /// Sets what runs when the daemon can no longer serve (its store was deleted or replaced): the caller stops
    /// it and exits non-zero.
    public func onFatal(_ handler: @escaping @Sendable (String) -> Void) {
        fatalHandler.set(handler)
    }

    /// Takes the state directory's lock, opens the store, resumes queued messages, binds the socket and the
    /// listener and tells systemd it is ready. On failure everything started is stopped again and the error says
    /// in one line what to fix.
    public func start() throws(StartupError) {
        do {
            try startParts()
        } catch {
            tearDown()
            throw error
        }
    }

    private func startParts() throws(StartupError) {
        instanceLock = try InstanceLock(stateDirectory: configuration.stateDirectory)
        do {
            try startPipeline()
        } catch let error as StartupError {
            throw error
        } catch {
            throw .store("\(error)")
        }
    }

    private func startPipeline() throws {
        let store = try openStore()
        store.setPolicy(configuration.policy)
        store.setPolling(Gateway.pollDelays(configuration.channels))
        store.onLost { [fatalHandler] error in fatalHandler.function?("\(error)") }
        self.store = store
        let queued = try store.queuedCounts()
        let resumed = queued.values.reduce(0, +)
        // Several nodes on one store: each counts what it holds, not what the whole store has queued.
        let sharedStore = store is PostgresMessageStore
        let transport = CurlTransport(
            configuration: TransportConfiguration(
                maxConnectionsPerHost: max(64, configuration.channels.map(\.concurrency).max() ?? 64),
                caFile: configuration.caFile
            ),
            logger: logger
        )
        transport.start()
        self.transport = transport
        let dispatcher = Dispatcher(
            channels: configuration.channels, timeZone: configuration.policy.timeZone,
            queuedCounts: sharedStore ? [:] : queued,
            store: store, transport: transport,
            wallClock: wallClock, monotonicClock: monotonicClock, logger: logger
        )
        store.onCommit { counts in dispatcher.messagesCommitted(counts) }
        store.onHolds { held in dispatcher.runsHeld(held) }
        if let shared = store as? PostgresMessageStore {
            dispatcher.countOnlyHeldMessages()
            // Several nodes on one store: page for the others' work, and send a 1/n share of every vendor rate.
            shared.onPoll { rewind in dispatcher.workMayBeWaiting(rewind: rewind) }
            // A node sends what it accepted without reading it back; what its windows cannot hold goes to any node.
            shared.onClaimed { messages in dispatcher.take(messages) }
            // Each heartbeat carries this node's totals, so any node's `stats` shows the cluster's.
            shared.onNodeCounters {
                let totals = dispatcher.snapshot().values
                return (
                    totals.reduce(0) { $0 + $1.sent }, totals.reduce(0) { $0 + $1.failed },
                    totals.reduce(0) { $0 + $1.queued }
                )
            }
            dispatcher.onUntaken { sequences in shared.release(sequences) }
            // A pause is the cluster's: one node's operator holds the instance on every node within a heartbeat.
            let configured = Set(configuration.channels.map(\.name))
            shared.onPausesChanged { paused in
                for name in configured.union(dispatcher.snapshot().keys) {
                    dispatcher.setPaused(name, paused.contains(name))
                }
            }
            shared.onLiveNodes { live in dispatcher.shareRate(1 / Double(max(1, live))) }
        }
        // Pauses outlive restarts: an instance paused before stays paused until `resume`.
        for name in try store.pausedInstances() { dispatcher.setPaused(name, true) }
        try dispatcher.start()
        self.dispatcher = dispatcher
        let service = ControlService(
            channels: configuration.channels, store: store, dispatcher: dispatcher, wallClock: wallClock,
            maxLineBytes: configuration.maxLineBytes, channelTypes: kinds.map(\.name),
            publicBaseURL: configuration.publicBaseURL
        )
        self.service = service
        service.setStrategySteps(configuration.strategies)
        service.setPseudonymKey(configuration.pseudonymKeyBytes)
        fingerprints = Gateway.fingerprints(of: configuration.channels)
        (store as? PostgresMessageStore)?.setConfigDigest(
            Gateway.digest(of: fingerprints, strategies: configuration.strategies))
        try startStrategies(store: store, service: service, dispatcher: dispatcher)
        service.setReloader { [self] in reload() }
        // Pushed and polled receipts are counted in one place, after the store has dropped repeats.
        let receiptCounts = ReceiptCounts()
        let processor = CallbackProcessor(
            store: store, lookup: { service.activeInstance($0) }, logger: logger, receiptCounts: receiptCounts)
        if let settings = configuration.webhook {
            let sender = WebhookSender(
                configuration: settings, store: store, transport: transport, wallClock: wallClock, logger: logger)
            try sender.start()
            webhook = sender
        }
        let receiptPoller = ReceiptPoller(
            channels: configuration.channels, store: store, transport: transport, wallClock: wallClock,
            monotonicClock: monotonicClock, logger: logger, receiptCounts: receiptCounts)
        try receiptPoller.start()
        poller = receiptPoller
        let webhookCounts: @Sendable () -> [(String, Int)] = { [webhook] in
            (webhook?.counts ?? []) + [("receipt_queries", receiptPoller.queryCount)]
        }
        let shared = store as? PostgresMessageStore
        service.setExtraStats { [wallClock] in
            processor.counts + webhookCounts() + (shared?.clusterStats(now: wallClock.nowMilliseconds) ?? [])
        }
        processor.onReceipts { instance, receipts in
            dispatcher.callsEnded(channel: instance, vendorMessageIDs: receipts.compactMap(\.vendorMessageID))
        }
        let reloads = ReloadCounter(startedAtSeconds: wallClock.nowMilliseconds / 1000)
        self.reloads = reloads
        if let endpoint = configuration.listen {
            let metrics = MetricsPage(
                service: service, dispatcher: dispatcher, store: store, callbacks: processor, reloads: reloads,
                wallClock: wallClock, extraCounts: webhookCounts, strategies: strategyEngine)
            let health = HealthProbe(
                dispatcher: dispatcher, store: store, stateDirectory: configuration.stateDirectory,
                wallClock: wallClock, monotonicClock: monotonicClock)
            health.watchStrategies(strategyEngine)
            self.health = health
            let listener = try CallbackServer(
                endpoint: endpoint, processor: processor, metrics: metrics, health: health, logger: logger)
            callbackServer = listener
            service.setListenAddress(listener.address)
        }
        server = try ControlServer(
            path: configuration.socketPath, service: service, logger: logger,
            access: AccessPolicy(configuration: configuration)
        )
        logger.info(
            "gateway ready",
            metadata: [
                "channels": "\(configuration.channels.map(\.name).joined(separator: ","))",
                "resumed_messages": "\(resumed)", "store": "\(store.location)",
            ]
        )
        notifier.notify("READY=1\nSTATUS=serving \(configuration.channels.count) channels")
        health?.markServing()
        startWatchdog()
    }

    /// Opens the configured store, SQLite in the state directory or PostgreSQL, with the strategy settings it
    /// applies.
    private func openStore() throws -> any MessageStoring {
        let encryptionKey = configuration.storeEncryptionKey.flatMap(GatewayConfiguration.decodeKey)
        switch configuration.store {
        case .sqlite:
            let store = try SQLiteMessageStore(
                directory: configuration.stateDirectory, dedupWindow: configuration.dedupWindow,
                retention: configuration.retention, encryptionKey: encryptionKey,
                maxPendingAccepts: configuration.maxPendingWrites, clock: wallClock, logger: logger,
                progress: { [notifier] step in
                    // Before READY=1: each beat extends systemd's start timeout (90 s by default) by a minute and
                    // feeds the watchdog, so upgrading a large store is not killed and restarted from scratch.
                    notifier.notify("EXTEND_TIMEOUT_USEC=60000000\nWATCHDOG=1\nSTATUS=upgrading the store: \(step)")
                }
            )
            store.setStrategyCommitBudget(configuration.strategySettings.commitBudget)
            store.setAffinity(configuration.strategySettings.affinity)
            store.setEnrolKeyWindow(configuration.strategySettings.enrolKeyWindow)
            return store
        case .postgresql(let postgres):
            let store = try PostgresMessageStore(
                configuration: postgres, dedupWindow: configuration.dedupWindow, retention: configuration.retention,
                encryptionKey: encryptionKey, maxPendingAccepts: configuration.maxPendingWrites, clock: wallClock,
                logger: logger)
            store.setAffinity(configuration.strategySettings.affinity)
            store.setEnrolKeyWindow(configuration.strategySettings.enrolKeyWindow)
            return store
        }
    }

    /// Loads the configuration again and, only if all of it is valid, swaps it in: added instances start,
    /// changed ones take their new settings with their queues intact, removed ones are held. On any error the
    /// running configuration stays and the errors are logged and returned. Used by SIGHUP and `reload`.
    public func reload() -> ReloadOutcome {
        reloadLock.lock()
        defer { reloadLock.unlock() }
        guard !stopping.load(ordering: .relaxed), let dispatcher, let service else {
            return ReloadOutcome(succeeded: false, issues: ["the gateway is not running"])
        }
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(monotonicClock.nowNanoseconds / 1000)")
        defer { notifier.notify("READY=1\nSTATUS=serving \(configuration.channels.count) channels") }
        let result = ConfigLoader(kinds: kinds).load(path: configurationPath)
        guard let next = result.configuration else {
            let errors = result.issues.filter { $0.severity == .error }.map(\.description)
            logger.error(
                "reload refused: configuration invalid, keeping the running one",
                metadata: ["errors": "\(errors.count)", "first": "\(errors.first ?? "")"]
            )
            reloads?.record(succeeded: false, atSeconds: wallClock.nowMilliseconds / 1000)
            return ReloadOutcome(succeeded: false, issues: errors)
        }
        var warnings = result.issues.map(\.description)
        // Restart-only keys keep the values the daemon started with, in `configuration` too: each later reload
        // compares against them, so a pending change is reported again until the restart that applies it.
        var applied = next
        func restartOnly<Value: Equatable>(_ key: String, _ path: WritableKeyPath<GatewayConfiguration, Value>) {
            guard applied[keyPath: path] != configuration[keyPath: path] else { return }
            warnings.append("\(configurationPath): '\(key)' changed; it takes effect at the next restart")
            applied[keyPath: path] = configuration[keyPath: path]
        }
        restartOnly("socket", \.socketPath)
        restartOnly("state_dir", \.stateDirectory)
        restartOnly("dedup_window", \.dedupWindow)
        restartOnly("max_line_bytes", \.maxLineBytes)
        restartOnly("max_pending_writes", \.maxPendingWrites)
        restartOnly("log_level", \.logLevel)
        restartOnly("log_format", \.logFormat)
        restartOnly("retention", \.retention)
        restartOnly("store_encryption_key", \.storeEncryptionKey)
        restartOnly("allowed_uids", \.allowedUIDs)
        restartOnly("allowed_groups", \.allowedGroups)
        restartOnly("read_only_uids", \.readOnlyUIDs)
        restartOnly("read_only_groups", \.readOnlyGroups)
        restartOnly("listen", \.listen)
        restartOnly("ca_file", \.caFile)
        restartOnly("public_base_url", \.publicBaseURL)
        restartOnly("webhook", \.webhook)
        // SIGHUP and `systemctl reload` have no caller to show warnings to: the log is where they are seen.
        for warning in warnings { logger.warning("reload: \(warning)") }
        let nextFingerprints = Gateway.fingerprints(of: next.channels)
        let before = Set(fingerprints.keys)
        let after = Set(nextFingerprints.keys)
        let outcome = ReloadOutcome(
            succeeded: true,
            added: after.subtracting(before).sorted(),
            changed: after.intersection(before).filter { fingerprints[$0] != nextFingerprints[$0] }.sorted(),
            removed: before.subtracting(after).sorted(),
            issues: warnings
        )
        dispatcher.reconfigure(next.channels, timeZone: next.policy.timeZone)
        reloadStrategies(next)
        poller?.reconfigure(next.channels)
        store?.setPolling(Gateway.pollDelays(next.channels))
        service.reconfigure(next.channels)
        // Forget and admission use the pseudonym key whether or not any strategy is configured.
        service.setPseudonymKey(next.pseudonymKeyBytes)
        service.setStrategySteps(next.strategies)
        store?.setPolicy(next.policy)
        configuration = applied
        fingerprints = nextFingerprints
        (store as? PostgresMessageStore)?.setConfigDigest(
            Gateway.digest(of: nextFingerprints, strategies: next.strategies))
        reloads?.record(succeeded: true, atSeconds: wallClock.nowMilliseconds / 1000)
        logger.info(
            "configuration reloaded",
            metadata: [
                "added": "\(outcome.added.joined(separator: ","))",
                "changed": "\(outcome.changed.joined(separator: ","))",
                "removed_held": "\(outcome.removed.joined(separator: ","))",
            ]
        )
        return outcome
    }

    /// Starts the strategy engine: registers the loaded strategies (a changed file becomes a new version) and
    /// waits for that commit, so the first turn knows every version's definition, then starts firing timers.
    private func startStrategies(store: any MessageStoring, service: ControlService, dispatcher: Dispatcher) throws {
        let settings = configuration.strategySettings
        let kinds = Gateway.channelKinds(configuration.channels)
        let wallClock = wallClock
        let engine = StrategyEngine(
            store: store, channels: kinds, settings: settings, timeZone: configuration.policy.timeZone,
            compile: { name, source in
                try? StrategyLoader.parse(
                    source: source, name: name, file: "\(name).yaml (stored)", channels: kinds, settings: settings,
                    checkChannels: false)
            },
            makeAccept: { request in
                try? service.validator.validate(
                    request, prefix: "", now: wallClock.nowMilliseconds, service: service)
            },
            unhealthy: { Set(dispatcher.snapshot().filter { $0.value.paused || $0.value.held }.keys) },
            backlog: { dispatcher.snapshot().values.reduce(0) { $0 + $1.queued } },
            wallClock: wallClock, monotonicClock: monotonicClock, logger: logger)
        store.onTimers { earliest in engine.timersAdded(earliestDue: earliest) }
        service.strategyReadiness.set { engine.readiness }
        try registerStrategies(configuration.strategies, engine: engine)
        try engine.start()
        strategyEngine = engine
    }

    /// Registers definitions with the store and hands the engine the versions they got; waits for the commit.
    private func registerStrategies(_ definitions: [StrategyDefinition], engine: StrategyEngine) throws {
        guard let store else { return }
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<[String: Int], StoreError>?>(nil)
        store.register(definitions.map(StrategyCatalog.rules(of:))) { result in
            outcome.withLock { $0 = result }
            done.signal()
        }
        guard done.wait(timeout: .now() + 30) == .success, let result = outcome.withLock({ $0 }) else {
            throw StartupError.store("registering strategies timed out")
        }
        let versions = try result.get()
        engine.setStrategies(definitions, versions: versions)
        Self.migrateRuns(definitions, store: store, logger: logger)
    }

    /// Moves parked runs of older versions as each definition's `migrate` map says (design §4), in the background
    /// after registration; logs how many moved.
    private static func migrateRuns(_ definitions: [StrategyDefinition], store: any MessageStoring, logger: Logger) {
        for definition in definitions where !definition.migrate.isEmpty {
            let name = definition.name
            store.migrate(strategy: name, moves: definition.migrate) { result in
                switch result {
                case .success(let moved):
                    logger.info("strategy runs migrated", metadata: ["strategy": "\(name)", "runs": "\(moved)"])
                case .failure(let error):
                    logger.error(
                        "migrating strategy runs failed", metadata: ["strategy": "\(name)", "error": "\(error)"])
                }
            }
        }
    }

    /// A reload's strategies and engine settings: changed files become new versions, runs in flight stay on
    /// theirs.
    private func reloadStrategies(_ next: GatewayConfiguration) {
        guard let engine = strategyEngine, let store else { return }
        if let store = store as? SQLiteMessageStore {
            store.setStrategyCommitBudget(next.strategySettings.commitBudget)
            store.setAffinity(next.strategySettings.affinity)
            store.setEnrolKeyWindow(next.strategySettings.enrolKeyWindow)
        } else if let store = store as? PostgresMessageStore {
            store.setAffinity(next.strategySettings.affinity)
            store.setEnrolKeyWindow(next.strategySettings.enrolKeyWindow)
        }
        engine.reconfigure(
            channels: Gateway.channelKinds(next.channels), settings: next.strategySettings,
            timeZone: next.policy.timeZone)
        let definitions = next.strategies
        let logger = logger
        store.register(definitions.map(StrategyCatalog.rules(of:))) { result in
            switch result {
            case .success(let versions):
                engine.setStrategies(definitions, versions: versions)
                Self.migrateRuns(definitions, store: store, logger: logger)
            case .failure(let error):
                logger.error("reload: registering strategies failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Instance name → channel type.
    private static func channelKinds(_ channels: [ChannelInstanceConfiguration]) -> [String: String] {
        Dictionary(channels.map { ($0.name, $0.kind) }, uniquingKeysWith: { first, _ in first })
    }

    /// The channels that poll for receipts, and how long after a send they first ask.
    private static func pollDelays(_ channels: [ChannelInstanceConfiguration]) -> [String: Duration] {
        var delays: [String: Duration] = [:]
        for channel in channels { if let poll = channel.pollReceipts { delays[channel.name] = poll.after } }
        return delays
    }

    /// A hash of each instance file, to tell which instances a reload changed.
    private static func fingerprints(of channels: [ChannelInstanceConfiguration]) -> [String: String] {
        var result: [String: String] = [:]
        for channel in channels {
            let bytes = FileManager.default.contents(atPath: channel.file).map(Array.init) ?? []
            result[channel.name] = HexEncoding.lowercase(SHA256.hash(data: bytes))
        }
        return result
    }

    /// One digest of every instance's file, which nodes sharing a store compare (a reload is per node).
    private static func digest(of fingerprints: [String: String], strategies: [StrategyDefinition]) -> String {
        // Strategies too: nodes with different files would register versions over each other on every reload.
        var entries = fingerprints
        for strategy in strategies { entries["strategy:" + strategy.name] = strategy.fingerprint }
        let text = entries.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        return String(HexEncoding.lowercase(SHA256.hash(data: Array(text.utf8))).prefix(16))
    }

    /// Pings systemd's watchdog at half its interval, but only while the dispatcher and the store writer are
    /// both turning: a wedged loop stops the pings and systemd restarts the daemon.
    private func startWatchdog() {
        guard let interval = notifier.watchdogMicroseconds, interval > 0, let dispatcher, let store else { return }
        let period = Double(interval) / 2_000_000
        let monotonicClock = monotonicClock
        let wallClock = wallClock
        let notifier = notifier
        let logger = logger
        let thread = Thread { [self] in
            ThreadNaming.nameCurrentThread("watchdog")
            while !self.stopping.load(ordering: .relaxed) {
                Thread.sleep(forTimeInterval: period)
                let dispatcherAge = (monotonicClock.nowNanoseconds - dispatcher.lastTurn) / 1_000_000
                let storeAge = wallClock.nowMilliseconds - store.lastTurn
                if dispatcherAge < 5_000 && storeAge < 5_000 {
                    notifier.notify("WATCHDOG=1")
                } else {
                    logger.error(
                        "watchdog withheld: a loop is stuck",
                        metadata: ["dispatcher_ms": "\(dispatcherAge)", "store_ms": "\(storeAge)"]
                    )
                }
            }
        }
        thread.name = "watchdog"
        thread.start()
    }

    /// Stops taking messages, lets transfers in flight finish (up to `drain_timeout`), commits their outcomes
    /// and closes. Messages not yet sent stay queued for the next start.
    public func shutdown() {
        stopping.store(true, ordering: .relaxed)
        reloadLock.lock()
        defer { reloadLock.unlock() }
        notifier.notify("STOPPING=1")
        logger.info("draining", metadata: ["timeout": "\(ConfigDuration.format(configuration.drainTimeout))"])
        tearDown()
        logger.info("stopped")
    }

    /// Stops whatever has started, in reverse order; also undoes a start that failed half-way.
    private func tearDown() {
        stopping.store(true, ordering: .relaxed)
        health?.markDraining()
        service?.beginDrain()
        server?.stopAccepting()
        // The engine stops before the store closes: advances it submitted commit (or not) with the store's drain.
        strategyEngine?.stop()
        let unfinished = dispatcher?.drain(timeout: configuration.drainTimeout) ?? 0
        if unfinished > 0 {
            logger.warning("drain timeout: transfers still in flight stay queued", metadata: ["count": "\(unfinished)"])
        }
        // The listener accepts until the transfers in flight are done: load balancers see /readyz answer 503
        // (draining) meanwhile, and receipts for those very sends are still committed.
        callbackServer?.stopAccepting()
        webhook?.stop()
        poller?.stop()
        transport?.shutdown()
        store?.close()
        server?.shutdown()
        callbackServer?.shutdown()
        instanceLock = nil
    }
}
