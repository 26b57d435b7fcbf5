import ChannelKit
import Foundation
public import GatewayConfig
public import GatewayTransport
public import Logging
import Synchronization

/// Moves queued messages from the store to vendors: per-instance windows, token buckets, concurrency limits,
/// retry timers and expiry, all on one thread; transfers run on the transport's own thread.
///
/// The dispatcher thread never blocks on a vendor: it hands requests to the transport and is woken by their
/// completions, by the store after a commit, or by its next timer. Attempt results are written to the store in
/// one batch per loop turn.
public final class Dispatcher: @unchecked Sendable {
    // Guarded by `condition`: the inbox and the lifecycle flags.
    private let condition = NSCondition()
    private var completions: [Completion] = []
    private var newWork: [String: [Int]] = [:]
    private var pendingChannels: (channels: [ChannelInstanceConfiguration], timeZone: String)?
    private let heartbeat = Atomic<Int64>(0)
    private var draining = false
    private var stopping = false
    private var stopped = false

    // Owned by the dispatcher thread.
    var lanes: [InstanceDispatchState]
    var laneIndex: [String: Int]
    /// Messages whose transfer (or send check) is under way, which `cancel` must not withdraw.
    var inFlightSequences: Set<Int64> = []
    /// Messages withdrawn by `cancel` until the store has committed it: kept out of every queue meanwhile,
    /// with the message itself if it was loaded, to put back if the cancellation does not commit.
    var withdrawals: [Int64: (lane: Int, stored: StoredMessage?)] = [:]
    /// Instances an operator paused, configured now or not (a reload may bring one back).
    var pausedNames: Set<String> = []
    private var random = SystemRandomNumberGenerator()
    private var pendingRecords: [AttemptRecord] = []
    private var pendingFailovers: [FailoverMove] = []

    let counters: Mutex<[String: ChannelCounters]>
    /// Vendor request latency (seconds buckets, for `/metrics`).
    public let vendorLatency = LatencyHistogram(bounds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    private let store: MessageStore
    private let transport: CurlTransport
    let wallClock: any WallClock
    private let monotonicClock: any MonotonicClock
    private let logger: Logger
    private var reader: MessageReader?

    /// A finished transfer, handed from the transport thread to the dispatcher thread.
    private enum Completion {
        case send(SendCompletion)
        case token(lane: Int, adapter: any ChannelAdapter, context: RequestContext, result: TransportResult)
        case callsEnded(channel: String, vendorMessageIDs: [String])
        case sendCheck(lane: Int, stored: StoredMessage, adapter: any ChannelAdapter, result: TransportResult)
        case control(OperatorCommand)
    }

    private struct SendCompletion {
        var lane: Int
        /// The messages the request carried (one, or a batch with distinct recipients).
        var group: [StoredMessage]
        var startedAt: Int64
        var request: VendorRequest
        /// The adapter that built the request: a reload mid-transfer must not change who reads the reply.
        var adapter: any ChannelAdapter
        /// The access token the request carried, to drop if the vendor calls it expired.
        var token: Secret?
        var result: TransportResult
    }

    /// - Parameters:
    ///   - channels: the configured instances.
    ///   - queuedCounts: messages already queued per instance (from the store at start-up).
    ///   - store: where messages are read from and attempts written to.
    ///   - transport: the libcurl transport.
    ///   - wallClock: time for records and expiry.
    ///   - monotonicClock: time for rate limits.
    ///   - logger: for failures (never content or secrets).
    ///   - timeZone: the zone of instances' `send_window`.
    public init(
        channels: [ChannelInstanceConfiguration],
        timeZone: String = "Asia/Shanghai",
        queuedCounts: [String: Int],
        store: MessageStore,
        transport: CurlTransport,
        wallClock: any WallClock,
        monotonicClock: any MonotonicClock,
        logger: Logger
    ) {
        let now = monotonicClock.nowNanoseconds
        lanes = channels.map { InstanceDispatchState(configuration: $0, now: now, timeZone: timeZone) }
        laneIndex = Dictionary(uniqueKeysWithValues: lanes.enumerated().map { ($1.name, $0) })
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
    }

    /// Starts the dispatcher thread.
    public func start() throws(StoreError) {
        reader = try store.makeReader()
        heartbeat.store(monotonicClock.nowNanoseconds, ordering: .relaxed)
        let thread = Thread { [self] in run() }
        thread.name = "dispatcher"
        thread.start()
    }

    /// Tells the dispatcher that the store committed new messages (counts by channel and priority lane).
    public func messagesCommitted(_ counts: [String: [Int]]) {
        counters.withLock { table in
            for (channel, lanes) in counts {
                table[channel, default: ChannelCounters()].queued += lanes.reduce(0, +)
            }
        }
        condition.lock()
        for (channel, lanes) in counts {
            var marked = newWork[channel] ?? [0, 0, 0]
            for lane in lanes.indices where lane < marked.count { marked[lane] += lanes[lane] }
            newWork[channel] = marked
        }
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

    // MARK: - The dispatcher thread

    private func run() {
        while true {
            condition.lock()
            let arrived = completions
            completions.removeAll(keepingCapacity: true)
            let work = newWork
            newWork.removeAll(keepingCapacity: true)
            let isDraining = draining
            let reconfiguration = pendingChannels
            pendingChannels = nil
            if stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                flushRecords()
                return
            }
            condition.unlock()

            heartbeat.store(monotonicClock.nowNanoseconds, ordering: .relaxed)
            if let reconfiguration { apply(reconfiguration.channels, timeZone: reconfiguration.timeZone) }
            for (name, counts) in work {
                guard let index = laneIndex[name] else { continue }
                for lane in counts.indices where counts[lane] > 0 { lanes[index].queues[lane].mayHaveMore = true }
            }
            for completion in arrived { handle(completion) }
            var nextWake = Int64.max
            if !isDraining {
                for index in lanes.indices { nextWake = min(nextWake, pump(index)) }
            }
            flushRecords()

            condition.lock()
            if completions.isEmpty && newWork.isEmpty && pendingChannels == nil && !stopping && draining == isDraining {
                let waitNanoseconds = min(nextWake, 1_000_000_000)
                if waitNanoseconds > 0 {
                    _ = condition.wait(until: Date(timeIntervalSinceNow: Double(waitNanoseconds) / 1e9))
                }
            }
            condition.unlock()
        }
    }

    /// Applies a reload on the dispatcher thread. Lanes are never removed, so transfers in flight keep a valid
    /// lane index and a re-added instance resumes where it stopped.
    private func apply(_ channels: [ChannelInstanceConfiguration], timeZone: String) {
        let now = monotonicClock.nowNanoseconds
        let names = Set(channels.map(\.name))
        for configuration in channels {
            if let index = laneIndex[configuration.name] {
                lanes[index].reconfigure(configuration, now: now, timeZone: timeZone)
            } else {
                laneIndex[configuration.name] = lanes.count
                lanes.append(InstanceDispatchState(configuration: configuration, now: now, timeZone: timeZone))
                // An instance paused before it was removed (or before a restart) comes back paused.
                if pausedNames.contains(configuration.name) {
                    lanes[lanes.count - 1].isPaused = true
                    counters.withLock { $0[configuration.name]?.paused = true }
                }
            }
        }
        for index in lanes.indices where !names.contains(lanes[index].name) {
            lanes[index].isHeld = true
        }
    }

    /// Starts as many transfers as the instance's windows, rate and concurrency allow, critical lane first.
    /// - Returns: nanoseconds until the instance next needs attention (`Int64.max` if only an event can help).
    private func pump(_ index: Int) -> Int64 {
        var wake = Int64.max
        // Held (removed by a reload), paused by an operator, or frozen while its queue moves: nothing starts.
        guard !lanes[index].isHeld, !lanes[index].isPaused, !lanes[index].isFrozen else { return wake }
        let wallNow = wallClock.nowMilliseconds
        if lanes[index].needsRefill { refill(index, wallNow: wallNow) }
        if let lapse = lanes[index].expireCalls(now: wallNow) { wake = min(wake, max(0, lapse - wallNow) * 1_000_000) }
        while lanes[index].inFlight < lanes[index].concurrency, lanes[index].hasCallSlot,
            lanes[index].hasWork(wallNow: wallNow)
        {
            let monotonicNow = monotonicClock.nowNanoseconds
            let untilToken = lanes[index].bucket.nanosecondsUntilToken(now: monotonicNow)
            if untilToken > 0 {
                wake = min(wake, untilToken)
                break
            }
            // Sends wait while the instance's token is being fetched; after a failed fetch they fail their
            // attempt with its reason (and retry on their own schedule) rather than wait forever.
            var token: Secret?
            var tokenFailure: Reason?
            if lanes[index].needsToken {
                switch lanes[index].tokens.availability(now: wallNow) {
                case .ready(let value):
                    token = value
                    if lanes[index].tokens.needsRefresh(now: wallNow) { fetchToken(index, wallNow: wallNow) }
                case .fetch:
                    fetchToken(index, wallNow: wallNow)
                    continue
                case .waiting:
                    return wake
                case .failed(let reason):
                    tokenFailure = reason
                }
            }
            guard let lane = lanes[index].nextLane(wallNow: wallNow),
                let stored = lanes[index].queues[lane].next(wallNow: wallNow)
            else { break }
            if let notAfter = stored.notAfter, wallNow > notAfter {
                expire(stored, lane: index, at: wallNow)
                continue
            }
            if let window = lanes[index].sendWindow {
                let opening = window.earliestAllowed(stored.message.category, channelType: "", from: wallNow)
                if opening > wallNow {
                    // Outside the instance's window (calling hours): wait for it, no attempt spent.
                    var held = stored
                    held.nextAttemptAt = stored.notAfter.map { min(opening, $0 + 1) } ?? opening
                    lanes[index].queues[lane].schedule(held)
                    continue
                }
            }
            _ = lanes[index].bucket.take(now: monotonicNow)
            if stored.unansweredSendAt != nil {
                // Its last send went out with no answer: ask the vendor whether it has it before any resend.
                checkSend(stored, lane: index, wallNow: wallNow)
                continue
            }
            if let tokenFailure {
                resolve(
                    .retry(tokenFailure), group: [stored], lane: index, startedAt: wallNow, httpStatus: nil, token: nil)
                continue
            }
            start(
                batch(from: stored, lane: index, queue: lane, wallNow: wallNow), lane: index, wallNow: wallNow,
                token: token)
            if lanes[index].queues[lane].needsRefill { refill(index, wallNow: wallNow) }
        }
        if lanes[index].needsToken, let due = lanes[index].tokens.nextDue(now: wallNow) {
            wake = min(wake, max(0, due - wallNow) * 1_000_000)
        }
        if let due = lanes[index].nextDueAt {
            wake = min(wake, max(0, due - wallNow) * 1_000_000)
        }
        return wake
    }

    private func refill(_ index: Int, wallNow: Int64) {
        guard let reader else { return }
        for lane in lanes[index].queues.indices where lanes[index].queues[lane].needsRefill {
            let limit = PriorityQueue.window - lanes[index].queues[lane].readyCount
            guard limit > 0 else { continue }
            do {
                let page = try reader.queued(
                    channel: lanes[index].name, priority: lane, after: lanes[index].queues[lane].cursor, limit: limit)
                lanes[index].queues[lane].mayHaveMore = page.count == limit
                lanes[index].queues[lane].append(keepWithdrawn(page), wallNow: wallNow)
                // Past withdrawn messages too, so they are not read again.
                if let last = page.last {
                    lanes[index].queues[lane].cursor = max(lanes[index].queues[lane].cursor, last.sequence)
                }
            } catch {
                logger.error(
                    "cannot read queued messages", metadata: ["channel": "\(lanes[index].name)", "error": "\(error)"])
            }
        }
    }

    /// `first` plus the messages after it in the same lane that the adapter may send in the same request (equal
    /// batch key, distinct recipients, not expired), up to its batch size.
    private func batch(from first: StoredMessage, lane index: Int, queue: Int, wallNow: Int64) -> [StoredMessage] {
        let adapter = lanes[index].adapter
        let limit = adapter.maxBatchSize
        guard limit > 1, let key = adapter.batchKey(for: first.message) else { return [first] }
        var group = [first]
        var recipients: Set<String> = [first.message.recipient]
        while group.count < limit, let next = lanes[index].queues[queue].peekReady(),
            !recipients.contains(next.message.recipient), next.notAfter.map({ wallNow <= $0 }) ?? true,
            next.unansweredSendAt == nil, adapter.batchKey(for: next.message) == key
        {
            _ = lanes[index].queues[queue].popReady()
            group.append(next)
            recipients.insert(next.message.recipient)
        }
        return group
    }

    private func start(_ group: [StoredMessage], lane index: Int, wallNow: Int64, token: Secret?) {
        let attempt = (group.map(\.attempts).max() ?? 0) + 1
        let context = RequestContext(
            nowMilliseconds: wallNow, nonce: random.next(), attempt: attempt, accessToken: token)
        let adapter = lanes[index].adapter
        let request: VendorRequest
        do {
            request =
                group.count == 1
                ? try adapter.request(for: group[0].message, context: context)
                : try adapter.request(for: group.map(\.message), context: context)
        } catch {
            for stored in group {
                finish(
                    stored, lane: index, attempt: stored.attempts + 1, startedAt: wallNow, outcome: .failed,
                    state: .failed, reason: Reason(.contentRejected, detail: error.message)
                )
            }
            return
        }
        lanes[index].inFlight += 1
        for stored in group { inFlightSequences.insert(stored.sequence) }
        let name = lanes[index].name
        counters.withLock { $0[name]?.inFlight += group.count }
        transport.submit(request, timeout: lanes[index].timeout) { [self] result in
            let completion = SendCompletion(
                lane: index, group: group, startedAt: wallNow, request: request, adapter: adapter, token: token,
                result: result
            )
            enqueue(.send(completion))
        }
    }

    /// Starts the single token fetch of an instance (or stores a token the adapter made itself).
    private func fetchToken(_ index: Int, wallNow: Int64) {
        let adapter = lanes[index].adapter
        let context = RequestContext(nowMilliseconds: wallNow, nonce: random.next(), attempt: 1)
        let step: TokenStep?
        do {
            step = try adapter.tokenStep(context: context)
        } catch {
            tokenFailed(index, Reason(.authExpired, detail: error.message), wallNow: wallNow)
            return
        }
        switch step {
        case .issued(let token)?:
            tokenIssued(index, token, wallNow: wallNow)
        case .fetch(let request)?:
            lanes[index].tokens.beginFetch()
            transport.submit(request, timeout: lanes[index].timeout) { [self] result in
                enqueue(.token(lane: index, adapter: adapter, context: context, result: result))
            }
        case nil:
            lanes[index].needsToken = false
        }
    }

    private func tokenIssued(_ index: Int, _ token: AccessToken, wallNow: Int64) {
        lanes[index].tokens.store(token, now: wallNow)
        let name = lanes[index].name
        counters.withLock { $0[name]?.tokenRefreshes += 1 }
        logger.debug(
            "access token refreshed",
            metadata: ["channel": "\(name)", "expires_in_s": "\((token.expiresAtMilliseconds - wallNow) / 1000)"])
    }

    private func tokenFailed(_ index: Int, _ reason: Reason, wallNow: Int64) {
        lanes[index].tokens.fail(reason, now: wallNow)
        let name = lanes[index].name
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
        case .token(let index, let adapter, let context, let result):
            let now = wallClock.nowMilliseconds
            switch result {
            case .response(let response, _):
                switch adapter.token(from: response, context: context) {
                case .issued(let token): tokenIssued(index, token, wallNow: now)
                case .failed(let reason): tokenFailed(index, reason, wallNow: now)
                }
            case .failure(let error, _):
                tokenFailed(index, error.reason, wallNow: now)
            }
        case .send(let send):
            handle(send)
        case .control(let command):
            handle(command)
        case .sendCheck(let index, let stored, let adapter, let result):
            inFlightSequences.remove(stored.sequence)
            lanes[index].inFlight -= 1
            let name = lanes[index].name
            counters.withLock { $0[name]?.inFlight -= 1 }
            let check: SendCheck
            switch result {
            case .response(let response, _): check = adapter.sendCheck(from: response, message: stored.message)
            case .failure(let error, _): check = .unknown(error.reason)
            }
            settle(check, stored: stored, lane: index)
        case .callsEnded(let channel, let vendorMessageIDs):
            guard let index = laneIndex[channel] else { return }
            for id in vendorMessageIDs { lanes[index].activeCalls[id] = nil }
        }
    }

    private func handle(_ completion: SendCompletion) {
        vendorLatency.observe(milliseconds: completion.result.elapsed.milliseconds)
        let index = completion.lane
        for stored in completion.group { inFlightSequences.remove(stored.sequence) }
        lanes[index].inFlight -= 1
        let name = lanes[index].name
        counters.withLock { $0[name]?.inFlight -= completion.group.count }
        let outcome: SendOutcome
        var httpStatus: Int?
        switch completion.result {
        case .response(let response, _):
            httpStatus = response.status
            outcome =
                completion.group.count == 1
                ? completion.adapter.outcome(
                    of: response, to: completion.request, message: completion.group[0].message)
                : completion.adapter.outcome(
                    of: response, to: completion.request, messages: completion.group.map(\.message))
        case .failure(let error, _):
            settle(error, group: completion.group, lane: index, startedAt: completion.startedAt)
            return
        }
        resolve(
            outcome, group: completion.group, lane: index, startedAt: completion.startedAt, httpStatus: httpStatus,
            token: completion.token)
    }

    /// Applies the verdict on a request that got no readable reply (``TransportFailureVerdict``) to every message
    /// it carried.
    private func settle(_ error: TransportError, group: [StoredMessage], lane index: Int, startedAt: Int64) {
        let name = lanes[index].name
        switch TransportFailureVerdict(error, onAmbiguous: lanes[index].onAmbiguous) {
        case .acceptedUnreadable(let reason):
            counters.withLock { $0[name]?.unreadableReplies += group.count }
            logger.warning(
                "vendor accepted a request with an unreadable reply; recorded as sent",
                metadata: ["channel": "\(name)", "detail": "\(reason.detail ?? "")"])
            for stored in group {
                finish(
                    stored, lane: index, attempt: stored.attempts + 1, startedAt: startedAt, outcome: .sent,
                    state: .sent, httpStatus: error.responseStatus, reason: reason)
            }
        case .retry(let reason):
            for stored in group {
                resolveOne(
                    .retry(reason), stored: stored, lane: index, startedAt: startedAt, httpStatus: error.responseStatus)
            }
        case .ambiguous(let reason, let resend):
            counters.withLock { $0[name]?.ambiguous += group.count }
            for stored in group {
                // Only a single send carries the message's own id for the vendor to find it by.
                if group.count == 1, lanes[index].checksUnansweredSends {
                    askBeforeResending(stored, lane: index, startedAt: startedAt, cause: error.reason)
                } else if resend {
                    resolveOne(
                        .retry(reason), stored: stored, lane: index, startedAt: startedAt, httpStatus: nil,
                        ambiguous: true)
                } else {
                    finish(
                        stored, lane: index, attempt: stored.attempts + 1, startedAt: startedAt, outcome: .ambiguous,
                        state: .failed, reason: reason, mayFailOver: false)
                }
            }
        }
    }

    /// Records an unanswered send and holds the message until its next attempt time, when the vendor is asked
    /// whether it took it (``checkSend(_:lane:wallNow:)``) instead of being sent it again.
    private func askBeforeResending(_ stored: StoredMessage, lane index: Int, startedAt: Int64, cause: Reason) {
        let attempt = stored.attempts + 1
        let now = wallClock.nowMilliseconds
        // At least a second: the vendor's records of a send may lag its acceptance.
        let delay = max(
            1_000,
            lanes[index].retryPolicy.delayMilliseconds(
                after: attempt, unitRandom: Double.random(in: 0..<1, using: &random)))
        var next = stored
        next.attempts = attempt
        next.nextAttemptAt = now + delay
        next.tokenRetried = false
        next.unansweredSendAt = startedAt
        lanes[index].queues[StoreSchema.priority(of: stored.message.category.name)].schedule(next)
        let detail = "sent, no answer (\(cause.detail ?? cause.category.name)): asking the vendor before any resend"
        pendingRecords.append(
            AttemptRecord(
                sequence: stored.sequence, channel: lanes[index].name, attempt: attempt, startedAt: startedAt,
                finishedAt: now, outcome: .ambiguous, state: .queued, reason: Reason(cause.category, detail: detail),
                nextAttemptAt: next.nextAttemptAt))
    }

    /// Asks the vendor whether it took a message whose last send got no answer.
    private func checkSend(_ stored: StoredMessage, lane index: Int, wallNow: Int64) {
        let adapter = lanes[index].adapter
        let context = RequestContext(nowMilliseconds: wallNow, nonce: random.next(), attempt: stored.attempts)
        let request: VendorRequest?
        do {
            request = try adapter.sendCheckRequest(
                for: stored.message, sentAtMilliseconds: stored.unansweredSendAt ?? wallNow, context: context)
        } catch {
            request = nil
        }
        guard let request else {
            settle(.unknown(Reason(.unknown, detail: "the vendor cannot be asked")), stored: stored, lane: index)
            return
        }
        lanes[index].inFlight += 1
        inFlightSequences.insert(stored.sequence)
        let name = lanes[index].name
        counters.withLock { $0[name]?.inFlight += 1 }
        transport.submit(request, timeout: lanes[index].timeout) { [self] result in
            enqueue(.sendCheck(lane: index, stored: stored, adapter: adapter, result: result))
        }
    }

    /// Acts on the vendor's answer about an unanswered send: it has it (sent, never resent), it has no record
    /// (resend, as nothing can be duplicated), or it cannot say (the instance's `on_ambiguous`).
    private func settle(_ check: SendCheck, stored: StoredMessage, lane index: Int) {
        let name = lanes[index].name
        let sentAt = stored.unansweredSendAt ?? stored.nextAttemptAt
        var next = stored
        next.unansweredSendAt = nil
        next.nextAttemptAt = wallClock.nowMilliseconds
        let policy = lanes[index].retryPolicy
        switch check {
        case .accepted(let vendorMessageID):
            counters.withLock { $0[name]?.sendChecks["found", default: 0] += 1 }
            finish(
                stored, lane: index, attempt: stored.attempts, startedAt: sentAt, outcome: .sent, state: .sent,
                reason: Reason(.unknown, detail: "sent, no answer; the vendor has it: not resent"),
                vendorMessageID: vendorMessageID)
        case .notFound:
            counters.withLock { $0[name]?.sendChecks["not_found", default: 0] += 1 }
            guard policy.allowsRetry(after: stored.attempts) else {
                // The vendor has no record of it, so moving it to the backup cannot duplicate it.
                finish(
                    stored, lane: index, attempt: stored.attempts, startedAt: sentAt, outcome: .failed,
                    state: .failed,
                    reason: Reason(
                        .vendorUnavailable,
                        detail: "sent, no answer; the vendor has no record of it (after \(stored.attempts) attempts)"))
                return
            }
            counters.withLock { $0[name]?.retried += 1 }
            lanes[index].queues[StoreSchema.priority(of: stored.message.category.name)].schedule(next)
        case .unknown(let reason):
            counters.withLock { $0[name]?.sendChecks["unknown", default: 0] += 1 }
            let cause = reason.detail ?? reason.category.name
            guard lanes[index].onAmbiguous == .retry, policy.allowsRetry(after: stored.attempts) else {
                let ending =
                    lanes[index].onAmbiguous == .retry
                    ? "(after \(stored.attempts) attempts)" : "not resent (on_ambiguous: fail)"
                finish(
                    stored, lane: index, attempt: stored.attempts, startedAt: sentAt, outcome: .ambiguous,
                    state: .failed,
                    reason: Reason(
                        .vendorUnavailable, detail: "sent, no answer; the vendor could not say (\(cause)): \(ending)"),
                    mayFailOver: false)
                return
            }
            counters.withLock { $0[name]?.retried += 1 }
            lanes[index].queues[StoreSchema.priority(of: stored.message.category.name)].schedule(next)
        }
    }

    /// Applies an outcome to every message of a request: a `.partial` outcome per recipient (a recipient it
    /// does not name is retried), any other outcome to all of them.
    private func resolve(
        _ outcome: SendOutcome, group: [StoredMessage], lane index: Int, startedAt: Int64, httpStatus: Int?,
        token: Secret?
    ) {
        if case .retry(let reason, _) = outcome, reason.category == .authExpired, token != nil {
            // The vendor refused the token: drop it and send each message once more, at once, with a fresh one
            // (no attempt counted). A message refused again takes the normal retry path.
            lanes[index].tokens.invalidate(token)
            let now = wallClock.nowMilliseconds
            for stored in group {
                if stored.tokenRetried {
                    resolveOne(outcome, stored: stored, lane: index, startedAt: startedAt, httpStatus: httpStatus)
                } else {
                    var again = stored
                    again.tokenRetried = true
                    again.nextAttemptAt = now
                    lanes[index].queues[StoreSchema.priority(of: stored.message.category.name)].schedule(again)
                }
            }
            return
        }
        if case .partial(let outcomes) = outcome {
            var byRecipient: [String: SendOutcome] = [:]
            for entry in outcomes { byRecipient[entry.recipient] = entry.outcome }
            for stored in group {
                var mine = byRecipient[stored.message.recipient]
                if mine == nil && group.count == 1 { mine = outcomes.first?.outcome }
                if case .partial? = mine { mine = .retry(Reason(.unknown, detail: "nested partial outcome")) }
                resolveOne(
                    mine ?? .retry(Reason(.unknown, detail: "the vendor's reply did not name this recipient")),
                    stored: stored, lane: index, startedAt: startedAt, httpStatus: httpStatus)
            }
            return
        }
        for stored in group {
            resolveOne(outcome, stored: stored, lane: index, startedAt: startedAt, httpStatus: httpStatus)
        }
    }

    /// - Parameter ambiguous: the attempt's request went out and got no answer; recorded as `ambiguous`.
    private func resolveOne(
        _ outcome: SendOutcome, stored: StoredMessage, lane index: Int, startedAt: Int64, httpStatus: Int?,
        ambiguous: Bool = false
    ) {
        let attempt = stored.attempts + 1
        noteVendorOutcome(outcome, lane: index)
        switch outcome {
        case .accepted(let vendorMessageID):
            if lanes[index].maxConcurrentCalls != nil, let vendorMessageID {
                // The call is placed, not over: its slot is held until its result arrives or lapses.
                lanes[index].activeCalls[vendorMessageID] = wallClock.nowMilliseconds + lanes[index].callSlotTimeout
            }
            finish(
                stored, lane: index, attempt: attempt, startedAt: startedAt, outcome: .sent, state: .sent,
                httpStatus: httpStatus, vendorMessageID: vendorMessageID
            )
        case .reject(let reason):
            finish(
                stored, lane: index, attempt: attempt, startedAt: startedAt, outcome: .failed, state: .failed,
                httpStatus: httpStatus, reason: reason
            )
        case .retry(let reason, let after):
            let policy = lanes[index].retryPolicy
            guard policy.allowsRetry(after: attempt) else {
                finish(
                    stored, lane: index, attempt: attempt, startedAt: startedAt,
                    outcome: ambiguous ? .ambiguous : .failed, state: .failed,
                    httpStatus: httpStatus,
                    reason: Reason(
                        reason.category, vendorCode: reason.vendorCode,
                        detail: "\(reason.detail ?? reason.category.name) (after \(attempt) attempts)")
                )
                return
            }
            let now = wallClock.nowMilliseconds
            let delay = policy.delayMilliseconds(
                after: attempt, unitRandom: Double.random(in: 0..<1, using: &random), vendorFloor: after
            )
            if let notAfter = stored.notAfter, now + delay > notAfter {
                // The next attempt would come too late: expire now rather than hold a timer for nothing.
                finish(
                    stored, lane: index, attempt: attempt, startedAt: startedAt, outcome: .expired, state: .expired,
                    httpStatus: httpStatus,
                    reason: Reason(
                        reason.category, vendorCode: reason.vendorCode,
                        detail:
                            "not_after passes before the next attempt; last: \(reason.detail ?? reason.category.name)")
                )
                return
            }
            var next = stored
            next.attempts = attempt
            next.nextAttemptAt = now + delay
            next.tokenRetried = false
            lanes[index].queues[StoreSchema.priority(of: stored.message.category.name)].schedule(next)
            let name = lanes[index].name
            counters.withLock { $0[name]?.retried += 1 }
            pendingRecords.append(
                AttemptRecord(
                    sequence: stored.sequence, channel: name, attempt: attempt, startedAt: startedAt,
                    finishedAt: now, outcome: ambiguous ? .ambiguous : .retry, state: .queued, httpStatus: httpStatus,
                    reason: reason,
                    nextAttemptAt: next.nextAttemptAt
                )
            )
        case .partial:
            resolve(outcome, group: [stored], lane: index, startedAt: startedAt, httpStatus: httpStatus, token: nil)
        }
    }

    private func expire(_ stored: StoredMessage, lane index: Int, at now: Int64) {
        finish(
            stored, lane: index, attempt: stored.attempts, startedAt: now, outcome: .expired, state: .expired,
            reason: Reason(.unknown, detail: "not_after passed before it could be sent")
        )
    }

    /// - Parameter mayFailOver: false when moving the message to the backup would resend what the vendor may have.
    private func finish(
        _ stored: StoredMessage, lane index: Int, attempt: Int, startedAt: Int64, outcome: AttemptRecord.Outcome,
        state: AttemptRecord.State, httpStatus: Int? = nil, reason: Reason? = nil, vendorMessageID: String? = nil,
        mayFailOver: Bool = true
    ) {
        let name = lanes[index].name
        if state == .failed, mayFailOver, let reason,
            let backup = failoverTarget(for: stored, lane: index, reason: reason)
        {
            counters.withLock { table in
                table[name]?.queued -= 1
                table[name]?.failedOver += 1
            }
            logger.warning(
                "message failed over",
                metadata: [
                    "message_id": "\(stored.message.id)", "channel": "\(name)", "backup": "\(backup)",
                    "reason": "\(reason.category.name)",
                ])
            pendingRecords.append(
                AttemptRecord(
                    sequence: stored.sequence, channel: name, attempt: attempt, startedAt: startedAt,
                    finishedAt: wallClock.nowMilliseconds, outcome: .failedOver, state: .queued,
                    httpStatus: httpStatus, reason: reason))
            pendingFailovers.append(
                FailoverMove(
                    sequence: stored.sequence, channel: backup, origin: name,
                    priority: StoreSchema.priority(of: stored.message.category.name)))
            return
        }
        counters.withLock { table in
            table[name]?.queued -= 1
            switch state {
            case .sent: table[name]?.sent += 1
            case .failed:
                table[name]?.failed += 1
                table[name]?.failuresByReason[reason?.category.name ?? "unknown", default: 0] += 1
            case .expired: table[name]?.expired += 1
            case .queued: break
            }
        }
        if state == .failed {
            logger.warning(
                "message failed",
                metadata: [
                    "message_id": "\(stored.message.id)", "channel": "\(name)",
                    "to": "\(LogMask.address(stored.message.recipient))",
                    "reason": "\(LogMask.text(reason.map { String(describing: $0) } ?? "unknown"))",
                ]
            )
        } else {
            logger.debug(
                "message \(state.rawValue)",
                metadata: [
                    "message_id": "\(stored.message.id)", "channel": "\(name)",
                    "to": "\(LogMask.address(stored.message.recipient))", "attempt": "\(attempt)",
                ]
            )
        }
        pendingRecords.append(
            AttemptRecord(
                sequence: stored.sequence, channel: name, attempt: attempt, startedAt: startedAt,
                finishedAt: wallClock.nowMilliseconds, outcome: outcome, state: state, httpStatus: httpStatus,
                reason: reason, vendorMessageID: vendorMessageID, recipient: stored.message.recipient
            )
        )
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

    /// Vendor-side reasons move a message to the backup; recipient- and content-side ones never do.
    static let failoverCategories: Set<ReasonCategory> = [.throttled, .vendorUnavailable, .authExpired, .quotaExceeded]

    /// The backup a failed message moves to, if its instance has an active one, the reason is the vendor's and
    /// the message has not failed over before.
    private func failoverTarget(for stored: StoredMessage, lane index: Int, reason: Reason) -> String? {
        guard let backup = lanes[index].failover, stored.failedOverFrom == nil,
            Self.failoverCategories.contains(reason.category), let target = laneIndex[backup], !lanes[target].isHeld
        else { return nil }
        return backup
    }
}
