import ChannelKit
import Foundation
public import GatewayConfig
public import GatewayStore
public import GatewayTransport
public import Logging
import Synchronization

/// Moves queued messages from the store to vendors: per-instance windows, token buckets, concurrency limits,
/// retry timers and expiry, all on one thread; transfers run on the transport's own thread.
///
/// The dispatcher thread never blocks on a vendor: it hands requests to the transport and is woken by their
/// completions, by the store after a commit, or by its next timer. What follows a send (retry, backoff, token
/// refresh, expiry, failover) is decided by the pure ``DeliveryDecision``; this thread only executes the
/// ``DeliveryAction``s it returns. Attempt results are written to the store in one batch per loop turn.
public final class Dispatcher: @unchecked Sendable {
    // Guarded by `condition`: the inbox and the lifecycle flags.
    private let condition = NSCondition()
    private var completions: [Completion] = []
    private var newWork: [String: LaneCounts] = [:]
    private var pendingChannels: (channels: [ChannelInstanceConfiguration], timeZone: String)?
    private var heldRunIDs: [Int64] = []
    private var cancelledMessages: [HeldRuns.Message] = []
    /// Whether `queued` counts only the messages this node holds (several nodes on one store: a send another node
    /// accepted is not this node's to count, and one it pages in was never counted at its commit here). Set once,
    /// before ``start()``.
    private(set) var countsHeldMessages = false
    /// Messages the store inserted claimed for this node, handed over without a read (a shared store's intake).
    private var handed: [StoredMessage] = []
    /// Where the handed messages the dispatcher cannot take go back (released for any node to page).
    private var untaken: @Sendable ([Int64]) -> Void = { _ in }
    /// A new share of every instance's rate (several nodes on one store), taken at the next turn.
    private var pendingRateShare: Double?
    /// The share in force (dispatcher thread), which an instance added by a reload takes too.
    private var rateShare = 1.0
    /// Set when work may be waiting that no commit of this node announced (another node's, or a deferred message
    /// now due): every lane pages again at the next turn, from the start of the store's lane when `rewind`.
    private var pageAgain: PageAgain?

    /// How the lanes page again after ``workMayBeWaiting(rewind:)``.
    private enum PageAgain {
        case fromCursors
        case fromStart
    }
    private let heartbeat = Atomic<Int64>(0)
    private var draining = false
    private var stopping = false
    private var stopped = false

    // Owned by the dispatcher thread.
    var instances: [InstanceDispatchState]
    var instanceIndex: [String: Int]
    /// Messages whose transfer (or send check) is under way, which `cancel` must not withdraw.
    var inFlightSequences: Set<Int64> = []
    /// Messages withdrawn by `cancel` until the store has committed it: kept out of every queue meanwhile,
    /// with the message itself if it was loaded, to put back if the cancellation does not commit.
    var withdrawals: [Int64: (instance: Int, stored: StoredMessage?)] = [:]
    /// Instances an operator paused, configured now or not (a reload may bring one back): the dispatcher's one
    /// record of pauses. ``ChannelCounters/paused`` only publishes it to `channels`, `health` and `/metrics`.
    var pausedNames: Set<String> = []
    /// Strategy runs finished early whose paged-in messages must not start (see ``RunHolds``).
    var runHolds = RunHolds()
    private var random = SystemRandomNumberGenerator()
    private var pendingRecords: [AttemptRecord] = []
    private var pendingFailovers: [FailoverMove] = []
    /// How long an instance held at its rate sleeps at least: it then sends the tokens earned meanwhile in one
    /// turn. Waking per token (every 200 µs at 5,000/s) cost the dispatcher and transfer threads a wake-up and a
    /// handoff per message, most of a core under a rate-limited backlog.
    static let rateWakeQuantum: Int64 = 5_000_000
    /// The current decision's actions (reused: deciding allocates nothing on the success path).
    private var actions: [DeliveryAction] = []

    let counters: Mutex<[String: ChannelCounters]>
    /// Vendor request latency (seconds buckets, for `/metrics`).
    public let vendorLatency = LatencyHistogram(bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    private let store: any MessageStoring
    private let transport: any HTTPTransport
    let wallClock: any WallClock
    private let monotonicClock: any MonotonicClock
    private let logger: Logger
    private var reader: (any StoreReading)?

    /// A finished transfer, handed from the transport thread to the dispatcher thread.
    private enum Completion {
        case send(SendCompletion)
        case accessToken(
            instance: Int, adapter: any AccessTokenProviding, context: RequestContext, result: TransportResult)
        case callsEnded(channel: String, vendorMessageIDs: [String])
        case sendCheck(instance: Int, stored: StoredMessage, adapter: any SendChecking, result: TransportResult)
        case control(OperatorCommand)
    }

    private struct SendCompletion {
        var instance: Int
        /// The messages the request carried (one, or a batch with distinct recipients).
        var group: [StoredMessage]
        var startedAt: Int64
        var request: VendorRequest
        /// The adapter that built the request: a reload mid-transfer must not change who reads the reply.
        var adapter: any ChannelAdapter
        /// The same adapter as a ``Batching`` when the request carried a batch (more than one message).
        var batching: (any Batching)?
        /// The access token the request carried, to drop if the vendor calls it expired.
        var accessToken: Secret?
        var result: TransportResult
    }

    /// - Parameters:
    ///   - channels: the configured instances.
    ///   - queuedCounts: messages already queued per instance (from the store at start-up).
    ///   - store: where messages are read from and attempts written to.
    ///   - transport: sends vendor requests (``CurlTransport`` in production).
    ///   - wallClock: time for records and expiry.
    ///   - monotonicClock: time for rate limits.
    ///   - logger: for failures (never content or secrets).
    ///   - timeZone: the zone of instances' `send_window`.
    public init(
        channels: [ChannelInstanceConfiguration],
        timeZone: String = "Asia/Shanghai",
        queuedCounts: [String: Int],
        store: any MessageStoring,
        transport: any HTTPTransport,
        wallClock: any WallClock,
        monotonicClock: any MonotonicClock,
        logger: Logger
    ) {
        let now = monotonicClock.nowNanoseconds
        instances = channels.map { InstanceDispatchState(configuration: $0, now: now, timeZone: timeZone) }
        instanceIndex = Dictionary(uniqueKeysWithValues: instances.enumerated().map { ($1.name, $0) })
        var initial: [String: ChannelCounters] = [:]
        for channel in channels {
            var counter = ChannelCounters()
            counter.queued = queuedCounts[channel.name] ?? 0
            initial[channel.name] = counter
        }
        counters = Mutex(initial)
        self.store = store
        self.transport = transport
        self.wallClock = wallClock
        self.monotonicClock = monotonicClock
        self.logger = logger
        refreshBackups()
    }

    /// Starts the dispatcher thread.
    public func start() throws(StoreError) {
        try openReader()
        let thread = Thread { [self] in
            ThreadNaming.nameCurrentThread("dispatcher")
            run()
        }
        thread.start()
    }

    /// Makes `queued` count only the messages this node holds: paged in or handed over, until they finish
    /// (several nodes sharing a store). Call before ``start()``, with no queued counts given to `init`.
    public func countOnlyHeldMessages() {
        countsHeldMessages = true
    }

    /// Tells the dispatcher that the store committed new messages (counts by channel and priority lane).
    public func messagesCommitted(_ counts: [String: LaneCounts]) {
        if !countsHeldMessages {
            counters.withLock { table in
                for (channel, added) in counts {
                    table[channel, default: ChannelCounters()].queued += added.total
                }
            }
        }
        condition.lock()
        for (channel, added) in counts { newWork[channel, default: .zero] += added }
        condition.signal()
        condition.unlock()
    }

    /// Tells the dispatcher that work may be waiting in the store that this node's commits did not announce: sent
    /// by a shared store's poll. Other nodes' new sends lie past the cursor; released claims, deferred messages now
    /// due and sends committed out of order lie behind it, which `rewind` pages from the start of each lane.
    public func workMayBeWaiting(rewind: Bool) {
        condition.lock()
        pageAgain = rewind || pageAgain == .fromStart ? .fromStart : .fromCursors
        condition.signal()
        condition.unlock()
    }

    /// Takes messages the store committed already claimed for this node (counted as queued), so no read brings
    /// them back; those it cannot take (no room in the lane's window, an instance paused, held or unknown) go to
    /// the ``onUntaken(_:)`` handler.
    public func take(_ messages: [StoredMessage]) {
        guard !messages.isEmpty else { return }
        condition.lock()
        handed += messages
        condition.signal()
        condition.unlock()
    }

    /// Sets where handed messages the dispatcher could not take go (the store releases their claims).
    public func onUntaken(_ handler: @escaping @Sendable ([Int64]) -> Void) {
        condition.lock()
        untaken = handler
        condition.unlock()
    }

    /// Sets this node's share of every instance's configured rate (1/n with n live nodes on one store); a reload
    /// keeps it.
    public func shareRate(_ fraction: Double) {
        condition.lock()
        pendingRateShare = fraction
        condition.signal()
        condition.unlock()
    }

    /// Tells the dispatcher that the store finished these strategy runs early (exit, opt-out, `exit_on`) and
    /// cancelled their queued messages: any it has paged in must not start, and none counts as queued any more.
    public func runsHeld(_ held: HeldRuns) {
        guard !held.isEmpty else { return }
        condition.lock()
        heldRunIDs.append(contentsOf: held.runIDs)
        cancelledMessages.append(contentsOf: held.messages)
        condition.signal()
        condition.unlock()
    }

    /// Swaps in a reloaded set of instances: new ones start, changed ones take their new settings with their
    /// queues intact, removed ones are held (nothing new starts; queued messages stay in the store).
    public func reconfigure(_ channels: [ChannelInstanceConfiguration], timeZone: String = "Asia/Shanghai") {
        counters.withLock { table in
            let names = Set(channels.map(\.name))
            for name in channels.map(\.name) where table[name] == nil { table[name] = ChannelCounters() }
            for name in table.keys { table[name]?.held = !names.contains(name) }
        }
        condition.lock()
        pendingChannels = (channels, timeZone)
        condition.signal()
        condition.unlock()
    }

    /// Frees the call slots of calls whose results arrived (the callback listener calls this with the vendor ids
    /// of an instance's receipts).
    public func callsEnded(channel: String, vendorMessageIDs: [String]) {
        guard !vendorMessageIDs.isEmpty else { return }
        enqueue(.callsEnded(channel: channel, vendorMessageIDs: vendorMessageIDs))
    }

    /// Monotonic nanoseconds of the dispatcher loop's last turn (it turns at least once a second).
    public var lastTurn: Int64 { heartbeat.load(ordering: .relaxed) }

    /// A copy of every instance's counters.
    public func snapshot() -> [String: ChannelCounters] {
        counters.withLock { $0 }
    }

    /// Stops starting transfers; those in flight finish. Returns when none are left or `timeout` passes.
    /// - Returns: the number of transfers still in flight.
    @discardableResult
    public func drain(timeout: Duration) -> Int {
        condition.lock()
        draining = true
        condition.signal()
        condition.unlock()
        let deadline = Date(timeIntervalSinceNow: Double(timeout.milliseconds) / 1000)
        while Date() < deadline {
            let inFlight = counters.withLock { $0.values.reduce(0) { $0 + $1.inFlight } }
            if inFlight == 0 { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        condition.lock()
        stopping = true
        condition.signal()
        while !stopped { condition.wait() }
        condition.unlock()
        return counters.withLock { $0.values.reduce(0) { $0 + $1.inFlight } }
    }

    /// Opens the dispatcher's store reader; ``start()`` does this before its thread's first turn (tests that
    /// drive ``turn()`` themselves call it alone).
    func openReader() throws(StoreError) {
        reader = try store.makeReader()
        heartbeat.store(monotonicClock.nowNanoseconds, ordering: .relaxed)
    }

    // MARK: - The dispatcher thread

    private func run() {
        while let (nextWake, isDraining) = turn() {
            condition.lock()
            if completions.isEmpty && newWork.isEmpty && pendingChannels == nil && pendingRateShare == nil
                && pageAgain == nil
                && !stopping && draining == isDraining
            {
                let waitNanoseconds = min(nextWake, 1_000_000_000)
                if waitNanoseconds > 0 {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: Double(waitNanoseconds) / 1e9))
                }
            }
            condition.unlock()
        }
    }

    /// One turn of the loop: takes the inbox, handles completions and commands, starts what may start and hands
    /// the turn's attempt records to the store.
    /// - Returns: nanoseconds until an instance next needs attention and whether it was draining; `nil` once
    ///   stopped.
    func turn() -> (nextWake: Int64, draining: Bool)? {
        condition.lock()
        let arrived = completions
        completions.removeAll(keepingCapacity: true)
        let work = newWork
        newWork.removeAll(keepingCapacity: true)
        let isDraining = draining
        let reconfiguration = pendingChannels
        pendingChannels = nil
        let held = heldRunIDs
        if !held.isEmpty { heldRunIDs.removeAll(keepingCapacity: true) }
        let cancelled = cancelledMessages
        if !cancelled.isEmpty { cancelledMessages.removeAll(keepingCapacity: true) }
        let newRateShare = pendingRateShare
        pendingRateShare = nil
        let pageEverything = pageAgain
        pageAgain = nil
        let arrivals = handed
        if !arrivals.isEmpty { handed.removeAll(keepingCapacity: true) }
        let giveBack = untaken
        if stopping {
            stopped = true
            condition.broadcast()
            condition.unlock()
            flushRecords()
            return nil
        }
        condition.unlock()

        heartbeat.store(monotonicClock.nowNanoseconds, ordering: .relaxed)
        if let reconfiguration { apply(reconfiguration.channels, timeZone: reconfiguration.timeZone) }
        if let newRateShare {
            rateShare = newRateShare
            let now = monotonicClock.nowNanoseconds
            for index in instances.indices { instances[index].share(newRateShare, now: now) }
        }
        if let pageEverything {
            for index in instances.indices {
                for lane in PriorityLane.allCases {
                    instances[index].queues[lane].mayHaveMore = true
                    if pageEverything == .fromStart { instances[index].queues[lane].cursor = 0 }
                }
            }
        }
        if !cancelled.isEmpty { dropCancelled(cancelled) }
        if !held.isEmpty {
            runHolds.hold(held, now: wallClock.nowMilliseconds)
        } else if !runHolds.isEmpty {
            runHolds.expire(now: wallClock.nowMilliseconds)
        }
        for (name, counts) in work {
            guard let index = instanceIndex[name] else { continue }
            for lane in PriorityLane.allCases where counts[lane] > 0 {
                instances[index].queues[lane].mayHaveMore = true
            }
        }
        if !arrivals.isEmpty { takeHanded(arrivals, giveBack: giveBack) }
        for completion in arrived { handle(completion) }
        var nextWake = Int64.max
        if !isDraining {
            for index in instances.indices { nextWake = min(nextWake, pump(index)) }
        }
        flushRecords()
        return (nextWake, isDraining)
    }

    /// Applies a reload on the dispatcher thread. Instances' states are never removed, so transfers in flight keep
    /// a valid instance index and a re-added instance resumes where it stopped.
    private func apply(_ channels: [ChannelInstanceConfiguration], timeZone: String) {
        let now = monotonicClock.nowNanoseconds
        let names = Set(channels.map(\.name))
        for configuration in channels {
            if let index = instanceIndex[configuration.name] {
                instances[index].reconfigure(configuration, now: now, timeZone: timeZone)
            } else {
                instanceIndex[configuration.name] = instances.count
                instances.append(InstanceDispatchState(configuration: configuration, now: now, timeZone: timeZone))
                if rateShare != 1 { instances[instances.count - 1].share(rateShare, now: now) }
                // An instance paused before it was removed (or before a restart) comes back paused.
                if pausedNames.contains(configuration.name) {
                    counters.withLock { $0[configuration.name]?.paused = true }
                }
            }
        }
        for index in instances.indices where !names.contains(instances[index].name) {
            instances[index].isHeld = true
        }
        refreshBackups()
    }

    /// Each instance's active backup for failover decisions: configured, and not held by a reload.
    private func refreshBackups() {
        for index in instances.indices {
            let active = instances[index].settings.failover.flatMap { backup in
                instanceIndex[backup].flatMap { instances[$0].isHeld ? nil : backup }
            }
            instances[index].activeBackup = active
        }
    }

    /// Whether an operator paused the instance (``pausedNames``).
    func isPaused(_ index: Int) -> Bool {
        !pausedNames.isEmpty && pausedNames.contains(instances[index].name)
    }

    /// Starts as many transfers as the instance's windows, rate and concurrency allow, critical lane first.
    /// - Returns: nanoseconds until the instance next needs attention (`Int64.max` if only an event can help).
    private func pump(_ index: Int) -> Int64 {
        var wake = Int64.max
        // Held (removed by a reload), paused by an operator, or frozen while its queue moves: nothing starts.
        guard !instances[index].isHeld, !instances[index].isFrozen, !isPaused(index) else { return wake }
        let wallNow = wallClock.nowMilliseconds
        if instances[index].needsRefill { refill(index, wallNow: wallNow) }
        if let lapse = instances[index].expireCalls(now: wallNow) {
            wake = min(wake, max(0, lapse - wallNow) * 1_000_000)
        }
        while instances[index].inFlight < instances[index].settings.concurrency, instances[index].hasCallSlot,
            instances[index].hasWork(wallNow: wallNow)
        {
            let monotonicNow = monotonicClock.nowNanoseconds
            let untilRateToken = instances[index].bucket.nanosecondsUntilBatch(
                now: monotonicNow, quantum: Self.rateWakeQuantum)
            if untilRateToken > 0 {
                wake = min(wake, untilRateToken)
                break
            }
            // Sends wait while the instance's token is being fetched; after a failed fetch they fail their
            // attempt with its reason (and retry on their own schedule) rather than wait forever.
            var accessToken: Secret?
            var accessTokenFailure: Reason?
            if instances[index].needsAccessToken {
                switch instances[index].accessTokens.availability(now: wallNow) {
                case .ready(let value):
                    accessToken = value
                    if instances[index].accessTokens.needsRefresh(now: wallNow) {
                        fetchAccessToken(index, wallNow: wallNow)
                    }
                case .fetch:
                    fetchAccessToken(index, wallNow: wallNow)
                    continue
                case .waiting:
                    return wake
                case .failed(let reason):
                    accessTokenFailure = reason
                }
            }
            guard let lane = instances[index].nextLane(wallNow: wallNow),
                let stored = instances[index].queues[lane].next(wallNow: wallNow)
            else { break }
            // Before expiry too: a held message's row is already cancelled, so nothing may be recorded for it.
            if isHeld(stored, wallNow: wallNow) {
                dropHeld(stored, instance: index)
                continue
            }
            if let notAfter = stored.notAfter, wallNow > notAfter {
                let group = [stored]
                decide(group, instance: index) { decision, actions, _ in decision.expired(group, into: &actions) }
                continue
            }
            if let window = instances[index].settings.sendWindow {
                let opening = window.earliestAllowed(stored.message.category, channelType: "", from: wallNow)
                if opening > wallNow {
                    // Outside the instance's window (calling hours): wait for it, no attempt spent.
                    var held = stored
                    held.nextAttemptAt = stored.notAfter.map { min(opening, $0 + 1) } ?? opening
                    instances[index].queues[lane].schedule(held)
                    continue
                }
            }
            _ = instances[index].bucket.take(now: monotonicNow)
            if stored.unansweredSendAt != nil {
                // Its last send went out with no answer: ask the vendor whether it has it before any resend.
                checkSend(stored, instance: index, wallNow: wallNow)
                continue
            }
            if let accessTokenFailure {
                let group = [stored]
                decide(group, instance: index) { decision, actions, random in
                    decision.resolve(
                        .retry(accessTokenFailure), group: group, startedAt: wallNow, httpStatus: nil, accessToken: nil,
                        random: &random, into: &actions)
                }
                continue
            }
            start(
                batch(from: stored, instance: index, queue: lane, wallNow: wallNow), instance: index, wallNow: wallNow,
                accessToken: accessToken)
            if instances[index].queues[lane].needsRefill { refill(index, wallNow: wallNow) }
        }
        if instances[index].needsAccessToken, let due = instances[index].accessTokens.nextDue(now: wallNow) {
            wake = min(wake, max(0, due - wallNow) * 1_000_000)
        }
        if let due = instances[index].nextDueAt {
            wake = min(wake, max(0, due - wallNow) * 1_000_000)
        }
        return wake
    }

    private func refill(_ index: Int, wallNow: Int64) {
        guard let reader else { return }
        for lane in PriorityLane.allCases where instances[index].queues[lane].needsRefill {
            let limit = PriorityQueue.window - instances[index].queues[lane].readyCount
            guard limit > 0 else { continue }
            do {
                let page = try reader.queued(
                    channel: instances[index].name, priority: lane, after: instances[index].queues[lane].cursor,
                    limit: limit)
                instances[index].queues[lane].mayHaveMore = page.count == limit
                let kept = keepWithdrawn(page)
                instances[index].queues[lane].append(kept, wallNow: wallNow)
                if countsHeldMessages, !kept.isEmpty {
                    let name = instances[index].name
                    counters.withLock { $0[name]?.queued += kept.count }
                }
                // Past withdrawn messages too, so they are not read again (the highest: a page read from a shared
                // store's lane start is in due order).
                if let highest = page.lazy.map(\.sequence).max() {
                    instances[index].queues[lane].cursor = max(instances[index].queues[lane].cursor, highest)
                }
            } catch {
                logger.error(
                    "cannot read queued messages",
                    metadata: ["channel": "\(instances[index].name)", "error": "\(error)"])
            }
        }
    }

    /// Puts handed messages in their lanes' windows while there is room, counts them as queued, and gives back
    /// the rest.
    private func takeHanded(_ messages: [StoredMessage], giveBack: @Sendable ([Int64]) -> Void) {
        let wallNow = wallClock.nowMilliseconds
        var returned: [Int64] = []
        var taken: [String: Int] = [:]
        for stored in keepWithdrawn(messages) {
            let lane = stored.lane
            guard let index = instanceIndex[stored.message.channel], !instances[index].isHeld,
                !instances[index].isFrozen, !isPaused(index),
                instances[index].queues[lane].readyCount < PriorityQueue.window
            else {
                returned.append(stored.sequence)
                continue
            }
            instances[index].queues[lane].append(CollectionOfOne(stored), wallNow: wallNow)
            taken[stored.message.channel, default: 0] += 1
        }
        if !taken.isEmpty {
            counters.withLock { table in
                for (channel, count) in taken { table[channel, default: ChannelCounters()].queued += count }
            }
        }
        if !returned.isEmpty { giveBack(returned) }
    }

    /// `first` plus the messages after it in the same priority lane that may share its request
    /// (``DeliveryDecision/batch(from:queue:limit:now:key:)``).
    private func batch(from first: StoredMessage, instance index: Int, queue: PriorityLane, wallNow: Int64)
        -> [StoredMessage]
    {
        guard let batching = instances[index].settings.capabilities.batching else { return [first] }
        return DeliveryDecision.batch(
            from: first, queue: &instances[index].queues[queue], limit: batching.maxBatchSize, now: wallNow,
            key: { batching.batchKey(for: $0) })
    }

    private func start(_ batch: [StoredMessage], instance index: Int, wallNow: Int64, accessToken: Secret?) {
        // The first was checked before its rate token was taken; the batch's others are checked here.
        var batch = batch
        if batch.count > 1, !runHolds.isEmpty {
            batch.removeAll { stored in
                guard isHeld(stored, wallNow: wallNow) else { return false }
                dropHeld(stored, instance: index)
                return true
            }
        }
        let group = batch
        let attempt = (group.map(\.attempts).max() ?? 0) + 1
        let context = RequestContext(
            nowMilliseconds: wallNow, nonce: random.next(), attempt: attempt, accessToken: accessToken)
        let adapter = instances[index].settings.adapter
        // Only a batching adapter's ``batch(from:instance:queue:wallNow:)`` makes groups of more than one.
        let batching = group.count > 1 ? instances[index].settings.capabilities.batching : nil
        let request: VendorRequest
        do {
            if let batching {
                request = try batching.request(for: group.map(\.message), context: context)
            } else {
                request = try adapter.request(for: group[0].message, context: context)
            }
        } catch {
            decide(group, instance: index) { decision, actions, _ in
                decision.unbuildable(error.message, group: group, into: &actions)
            }
            return
        }
        instances[index].inFlight += 1
        for stored in group { inFlightSequences.insert(stored.sequence) }
        let name = instances[index].name
        counters.withLock { $0[name]?.inFlight += group.count }
        transport.submit(request, timeout: instances[index].settings.timeout) { [self] result in
            let completion = SendCompletion(
                instance: index, group: group, startedAt: wallNow, request: request, adapter: adapter,
                batching: batching, accessToken: accessToken, result: result
            )
            enqueue(.send(completion))
        }
    }

    /// Whether `stored` belongs to a strategy run finished early (one hash lookup, only for strategy messages).
    private func isHeld(_ stored: StoredMessage, wallNow: Int64) -> Bool {
        guard let runID = stored.runID, !runHolds.isEmpty else { return false }
        return runHolds.contains(runID, now: wallNow)
    }

    /// Messages a commit cancelled with their runs: out of memory where paged in, off the queued count either way.
    /// Counted queued at their commit, those never paged in would otherwise stay counted for good (and hold back
    /// catch-up fires behind a backlog that is not there). One in flight finishes as it is; its completion counts.
    private func dropCancelled(_ messages: [HeldRuns.Message]) {
        var byChannel: [String: Set<Int64>] = [:]
        for message in messages where !inFlightSequences.contains(message.sequence) {
            byChannel[message.channel, default: []].insert(message.sequence)
            // An operator's cancel of it, pending, now fails to commit: it must not put the message back.
            withdrawals[message.sequence]?.stored = nil
        }
        for (channel, sequences) in byChannel {
            var removed = 0
            if let index = instanceIndex[channel] {
                for lane in PriorityLane.allCases {
                    removed += instances[index].queues[lane].remove(sequences: sequences)
                }
            }
            // Counting held messages only (several nodes), one never paged in here was never counted here.
            let counted = countsHeldMessages ? removed : sequences.count
            counters.withLock { $0[channel]?.queued -= counted }
        }
    }

    /// Forgets a held message: the commit that finished its run already marked it cancelled (reason `run_exited`
    /// or `opted_out`) and told subscribers, so there is nothing to record; it only leaves the queued count.
    private func dropHeld(_ stored: StoredMessage, instance index: Int) {
        let name = instances[index].name
        counters.withLock { $0[name]?.queued -= 1 }
        logger.debug(
            "message of a finished strategy run not started",
            metadata: ["message_id": "\(stored.message.id)", "channel": "\(name)", "run_id": "\(stored.runID ?? 0)"])
    }

    /// Starts the single token fetch of an instance (or stores a token the adapter made itself).
    private func fetchAccessToken(_ index: Int, wallNow: Int64) {
        guard let adapter = instances[index].settings.capabilities.accessTokenProviding else { return }
        let context = RequestContext(nowMilliseconds: wallNow, nonce: random.next(), attempt: 1)
        let step: TokenStep
        do {
            step = try adapter.tokenStep(context: context)
        } catch {
            accessTokenFailed(index, Reason(.authExpired, detail: error.message), wallNow: wallNow)
            return
        }
        switch step {
        case .issued(let token):
            accessTokenIssued(index, token, wallNow: wallNow)
        case .fetch(let request):
            instances[index].accessTokens.beginFetch()
            transport.submit(request, timeout: instances[index].settings.timeout) { [self] result in
                enqueue(.accessToken(instance: index, adapter: adapter, context: context, result: result))
            }
        }
    }

    private func accessTokenIssued(_ index: Int, _ token: AccessToken, wallNow: Int64) {
        instances[index].accessTokens.store(token, now: wallNow)
        let name = instances[index].name
        counters.withLock { $0[name]?.tokenRefreshes += 1 }
        logger.debug(
            "access token refreshed",
            metadata: ["channel": "\(name)", "expires_in_s": "\((token.expiresAtMilliseconds - wallNow) / 1000)"])
    }

    private func accessTokenFailed(_ index: Int, _ reason: Reason, wallNow: Int64) {
        instances[index].accessTokens.fail(reason, now: wallNow)
        let name = instances[index].name
        counters.withLock { $0[name]?.tokenFailures += 1 }
        logger.warning(
            "cannot get an access token",
            metadata: ["channel": "\(name)", "reason": "\(LogMask.text(String(describing: reason)))"])
    }

    /// Hands an operator's command to the dispatcher thread.
    func enqueue(_ command: OperatorCommand) { enqueue(.control(command)) }

    private func enqueue(_ completion: Completion) {
        condition.lock()
        completions.append(completion)
        condition.signal()
        condition.unlock()
    }

    private func handle(_ completion: Completion) {
        switch completion {
        case .accessToken(let index, let adapter, let context, let result):
            let now = wallClock.nowMilliseconds
            switch result {
            case .response(let response, _):
                switch adapter.token(from: response, context: context) {
                case .issued(let token): accessTokenIssued(index, token, wallNow: now)
                case .failed(let reason): accessTokenFailed(index, reason, wallNow: now)
                }
            case .failure(let error, _):
                accessTokenFailed(index, error.reason, wallNow: now)
            }
        case .send(let send):
            handle(send)
        case .control(let command):
            handle(command)
        case .sendCheck(let index, let stored, let adapter, let result):
            inFlightSequences.remove(stored.sequence)
            instances[index].inFlight -= 1
            let check: SendCheck
            switch result {
            case .response(let response, _): check = adapter.sendCheck(from: response, message: stored.message)
            case .failure(let error, _): check = .unknown(error.reason)
            }
            let group = [stored]
            decide(group, instance: index, releasing: 1) { decision, actions, _ in
                decision.sendChecked(check, group: group, into: &actions)
            }
        case .callsEnded(let channel, let vendorMessageIDs):
            guard let index = instanceIndex[channel] else { return }
            for id in vendorMessageIDs { instances[index].activeCalls[id] = nil }
        }
    }

    private func handle(_ completion: SendCompletion) {
        vendorLatency.observe(milliseconds: completion.result.elapsed.milliseconds)
        let index = completion.instance
        let group = completion.group
        for stored in group { inFlightSequences.remove(stored.sequence) }
        instances[index].inFlight -= 1
        switch completion.result {
        case .response(let response, _):
            let outcome =
                if let batching = completion.batching {
                    batching.outcome(of: response, to: completion.request, messages: group.map(\.message))
                } else {
                    completion.adapter.outcome(of: response, to: completion.request, message: group[0].message)
                }
            decide(group, instance: index, releasing: group.count) { decision, actions, random in
                decision.resolve(
                    outcome, group: group, startedAt: completion.startedAt, httpStatus: response.status,
                    accessToken: completion.accessToken, random: &random, into: &actions)
            }
        case .failure(let error, _):
            decide(group, instance: index, releasing: group.count) { decision, actions, random in
                decision.transportFailed(
                    error, group: group, startedAt: completion.startedAt, random: &random, into: &actions)
            }
        }
    }

    /// Asks the vendor whether it took a message whose last send got no answer.
    private func checkSend(_ stored: StoredMessage, instance index: Int, wallNow: Int64) {
        let cannotAsk = SendCheck.unknown(Reason(.unknown, detail: "the vendor cannot be asked"))
        guard let adapter = instances[index].settings.capabilities.sendChecking else {
            let group = [stored]
            decide(group, instance: index) { decision, actions, _ in
                decision.sendChecked(cannotAsk, group: group, into: &actions)
            }
            return
        }
        let context = RequestContext(nowMilliseconds: wallNow, nonce: random.next(), attempt: stored.attempts)
        let request: VendorRequest?
        do {
            request = try adapter.sendCheckRequest(
                for: stored.message, sentAtMilliseconds: stored.unansweredSendAt ?? wallNow, context: context)
        } catch {
            request = nil
        }
        guard let request else {
            let group = [stored]
            decide(group, instance: index) { decision, actions, _ in
                decision.sendChecked(cannotAsk, group: group, into: &actions)
            }
            return
        }
        instances[index].inFlight += 1
        inFlightSequences.insert(stored.sequence)
        let name = instances[index].name
        counters.withLock { $0[name]?.inFlight += 1 }
        transport.submit(request, timeout: instances[index].settings.timeout) { [self] result in
            enqueue(.sendCheck(instance: index, stored: stored, adapter: adapter, result: result))
        }
    }

    // MARK: - Executing delivery decisions

    /// Asks the instance's ``DeliveryDecision`` about `group` (into the reused action buffer) and executes the
    /// actions it returns.
    /// - Parameter released: transfers' messages leaving the in-flight count, under the same lock as the rest.
    private func decide(
        _ group: [StoredMessage], instance index: Int, releasing released: Int = 0,
        _ body: (DeliveryDecision, inout [DeliveryAction], inout SystemRandomNumberGenerator) -> Void
    ) {
        let decision = instances[index].decision(now: wallClock.nowMilliseconds)
        actions.removeAll(keepingCapacity: true)
        body(decision, &actions, &random)
        execute(group, instance: index, now: decision.now, releasing: released)
    }

    /// Applies the decided actions to the instance's queues, access token and call slots and to the pending
    /// records, then counts them, taking the counters' lock once.
    private func execute(_ group: [StoredMessage], instance index: Int, now: Int64, releasing released: Int) {
        let name = instances[index].name
        for action in actions {
            switch action {
            case .refreshToken(let token):
                instances[index].accessTokens.invalidate(token)
            case .resendWithFreshToken(let message):
                var again = group[message]
                again.tokenRetried = true
                again.nextAttemptAt = now
                instances[index].queues[again.lane].schedule(again)
            case .complete(let message, let record):
                logEnd(record, of: group[message], instance: name)
                pendingRecords.append(record)
            case .retry(let message, let record):
                var next = group[message]
                next.attempts = record.attempt
                next.nextAttemptAt = record.nextAttemptAt
                next.tokenRetried = false
                instances[index].queues[next.lane].schedule(next)
                pendingRecords.append(record)
            case .askBeforeResending(let message, let record):
                var next = group[message]
                next.attempts = record.attempt
                next.nextAttemptAt = record.nextAttemptAt
                next.tokenRetried = false
                next.unansweredSendAt = record.startedAt
                instances[index].queues[next.lane].schedule(next)
                pendingRecords.append(record)
            case .reschedule(let message, let at):
                var next = group[message]
                next.unansweredSendAt = nil
                next.nextAttemptAt = at
                instances[index].queues[next.lane].schedule(next)
            case .failOver(let message, let backup, let record):
                let stored = group[message]
                logger.warning(
                    "message failed over",
                    metadata: [
                        "message_id": "\(stored.message.id)", "channel": "\(name)", "backup": "\(backup)",
                        "reason": "\(record.reason?.category.name ?? "unknown")",
                    ])
                pendingRecords.append(record)
                pendingFailovers.append(
                    FailoverMove(sequence: stored.sequence, channel: backup, origin: name, priority: stored.lane))
            case .holdCallSlot(let vendorMessageID, let until):
                instances[index].activeCalls[vendorMessageID] = until
            case .noteUnreadableReply(let reason, _):
                logger.warning(
                    "vendor accepted a request with an unreadable reply; recorded as sent",
                    metadata: ["channel": "\(name)", "detail": "\(reason.detail ?? "")"])
            case .vendorSucceeded, .vendorFailed, .countAmbiguous, .countSendCheck:
                break  // counted below
            }
        }
        counters.withLock { table in
            table[name]?.inFlight -= released
            table[name]?.count(actions, now: now)
        }
    }

    /// Logs a message's last attempt: a failure as a warning, anything else at debug level.
    private func logEnd(_ record: AttemptRecord, of stored: StoredMessage, instance name: String) {
        if record.state == .failed {
            logger.warning(
                "message failed",
                metadata: [
                    "message_id": "\(stored.message.id)", "channel": "\(name)",
                    "to": "\(LogMask.address(stored.message.recipient))",
                    "reason": "\(LogMask.text(record.reason.map { String(describing: $0) } ?? "unknown"))",
                ]
            )
        } else {
            logger.debug(
                "message \(record.state.rawValue)",
                metadata: [
                    "message_id": "\(stored.message.id)", "channel": "\(name)",
                    "to": "\(LogMask.address(stored.message.recipient))", "attempt": "\(record.attempt)",
                ]
            )
        }
    }
    private func flushRecords() {
        if !pendingRecords.isEmpty {
            store.record(pendingRecords)
            pendingRecords.removeAll(keepingCapacity: true)
        }
        // After the records: a failed-over message's last attempt is written under its old number first.
        if !pendingFailovers.isEmpty {
            store.failover(pendingFailovers)
            pendingFailovers.removeAll(keepingCapacity: true)
        }
    }
}
