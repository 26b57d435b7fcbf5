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
    private var pendingChannels: [ChannelInstanceConfiguration]?
    private let heartbeat = Atomic<Int64>(0)
    private var draining = false
    private var stopping = false
    private var stopped = false

    // Owned by the dispatcher thread.
    private var lanes: [DispatchLane]
    private var laneIndex: [String: Int]
    private var random = SystemRandomNumberGenerator()
    private var pendingRecords: [AttemptRecord] = []

    private let counters: Mutex<[String: ChannelCounters]>
    private let store: MessageStore
    private let transport: CurlTransport
    private let wallClock: any WallClock
    private let monotonicClock: any MonotonicClock
    private let logger: Logger
    private var reader: MessageReader?

    private struct Completion {
        var lane: Int
        var stored: StoredMessage
        var attempt: Int
        var startedAt: Int64
        var request: VendorRequest
        /// The adapter that built the request: a reload mid-transfer must not change who reads the reply.
        var adapter: any ChannelAdapter
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
    public init(
        channels: [ChannelInstanceConfiguration],
        queuedCounts: [String: Int],
        store: MessageStore,
        transport: CurlTransport,
        wallClock: any WallClock,
        monotonicClock: any MonotonicClock,
        logger: Logger
    ) {
        let now = monotonicClock.nowNanoseconds
        lanes = channels.map { DispatchLane(configuration: $0, now: now) }
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
    public func reconfigure(_ channels: [ChannelInstanceConfiguration]) {
        counters.withLock { table in
            let names = Set(channels.map(\.name))
            for name in channels.map(\.name) where table[name] == nil { table[name] = ChannelCounters() }
            for name in table.keys { table[name]?.held = !names.contains(name) }
        }
        condition.lock()
        pendingChannels = channels
        condition.signal()
        condition.unlock()
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
            if let reconfiguration { apply(reconfiguration) }
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
    private func apply(_ channels: [ChannelInstanceConfiguration]) {
        let now = monotonicClock.nowNanoseconds
        let names = Set(channels.map(\.name))
        for configuration in channels {
            if let index = laneIndex[configuration.name] {
                lanes[index].reconfigure(configuration, now: now)
            } else {
                laneIndex[configuration.name] = lanes.count
                lanes.append(DispatchLane(configuration: configuration, now: now))
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
        guard !lanes[index].isHeld else { return wake }
        let wallNow = wallClock.nowMilliseconds
        if lanes[index].needsRefill { refill(index, wallNow: wallNow) }
        while lanes[index].inFlight < lanes[index].concurrency, lanes[index].hasWork(wallNow: wallNow) {
            let monotonicNow = monotonicClock.nowNanoseconds
            let untilToken = lanes[index].bucket.nanosecondsUntilToken(now: monotonicNow)
            if untilToken > 0 {
                wake = min(wake, untilToken)
                break
            }
            guard let lane = lanes[index].nextLane(wallNow: wallNow),
                let stored = lanes[index].queues[lane].next(wallNow: wallNow)
            else { break }
            if let notAfter = stored.notAfter, wallNow > notAfter {
                expire(stored, lane: index, at: wallNow)
                continue
            }
            _ = lanes[index].bucket.take(now: monotonicNow)
            start(stored, lane: index, wallNow: wallNow)
            if lanes[index].queues[lane].needsRefill { refill(index, wallNow: wallNow) }
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
                lanes[index].queues[lane].append(page, wallNow: wallNow)
            } catch {
                logger.error(
                    "cannot read queued messages", metadata: ["channel": "\(lanes[index].name)", "error": "\(error)"])
            }
        }
    }

    private func start(_ stored: StoredMessage, lane index: Int, wallNow: Int64) {
        let attempt = stored.attempts + 1
        let context = RequestContext(nowMilliseconds: wallNow, nonce: random.next(), attempt: attempt)
        let request: VendorRequest
        do {
            request = try lanes[index].adapter.request(for: stored.message, context: context)
        } catch {
            finish(
                stored, lane: index, attempt: attempt, startedAt: wallNow, outcome: .failed, state: .failed,
                reason: Reason(.contentRejected, detail: error.message)
            )
            return
        }
        lanes[index].inFlight += 1
        let name = lanes[index].name
        counters.withLock { $0[name]?.inFlight += 1 }
        let adapter = lanes[index].adapter
        transport.submit(request, timeout: lanes[index].timeout) { [self] result in
            let completion = Completion(
                lane: index, stored: stored, attempt: attempt, startedAt: wallNow, request: request,
                adapter: adapter, result: result
            )
            condition.lock()
            completions.append(completion)
            condition.signal()
            condition.unlock()
        }
    }

    private func handle(_ completion: Completion) {
        let index = completion.lane
        lanes[index].inFlight -= 1
        let name = lanes[index].name
        counters.withLock { $0[name]?.inFlight -= 1 }
        let outcome: SendOutcome
        var httpStatus: Int?
        switch completion.result {
        case .response(let response, _):
            httpStatus = response.status
            outcome = completion.adapter.outcome(
                of: response, to: completion.request, message: completion.stored.message
            )
        case .failure(let error, _):
            outcome = .retry(error.reason)
        }
        resolve(outcome, completion: completion, httpStatus: httpStatus)
    }

    private func resolve(
        _ outcome: SendOutcome, completion: Completion, httpStatus: Int?
    ) {
        let index = completion.lane
        let stored = completion.stored
        switch outcome {
        case .accepted(let vendorMessageID):
            finish(
                stored, lane: index, attempt: completion.attempt, startedAt: completion.startedAt, outcome: .sent,
                state: .sent, httpStatus: httpStatus, vendorMessageID: vendorMessageID
            )
        case .reject(let reason):
            finish(
                stored, lane: index, attempt: completion.attempt, startedAt: completion.startedAt, outcome: .failed,
                state: .failed, httpStatus: httpStatus, reason: reason
            )
        case .retry(let reason, let after):
            let policy = lanes[index].retryPolicy
            guard policy.allowsRetry(after: completion.attempt) else {
                finish(
                    stored, lane: index, attempt: completion.attempt, startedAt: completion.startedAt,
                    outcome: .failed, state: .failed, httpStatus: httpStatus,
                    reason: Reason(
                        reason.category, vendorCode: reason.vendorCode,
                        detail: "\(reason.detail ?? reason.category.name) (after \(completion.attempt) attempts)")
                )
                return
            }
            let now = wallClock.nowMilliseconds
            let delay = policy.delayMilliseconds(
                after: completion.attempt, unitRandom: Double.random(in: 0..<1, using: &random), vendorFloor: after
            )
            if let notAfter = stored.notAfter, now + delay > notAfter {
                // The next attempt would come too late: expire now rather than hold a timer for nothing.
                finish(
                    stored, lane: index, attempt: completion.attempt, startedAt: completion.startedAt,
                    outcome: .expired, state: .expired, httpStatus: httpStatus,
                    reason: Reason(
                        reason.category, vendorCode: reason.vendorCode,
                        detail:
                            "not_after passes before the next attempt; last: \(reason.detail ?? reason.category.name)")
                )
                return
            }
            var next = stored
            next.attempts = completion.attempt
            next.nextAttemptAt = now + delay
            lanes[index].queues[StoreSchema.priority(of: stored.message.category.name)].schedule(next)
            let name = lanes[index].name
            counters.withLock { $0[name]?.retried += 1 }
            pendingRecords.append(
                AttemptRecord(
                    sequence: stored.sequence, channel: name, attempt: completion.attempt,
                    startedAt: completion.startedAt, finishedAt: now, outcome: .retry, state: .queued,
                    httpStatus: httpStatus, reason: reason, nextAttemptAt: next.nextAttemptAt
                )
            )
        case .partial(let outcomes):
            // One message has one recipient here; take its outcome (or the first, if the vendor renamed it).
            let mine = outcomes.first { $0.recipient == stored.message.recipient } ?? outcomes.first
            let single: SendOutcome
            if let mine, case .partial = mine.outcome {
                single = .retry(Reason(.unknown, detail: "nested partial outcome"))
            } else {
                single = mine?.outcome ?? .retry(Reason(.unknown, detail: "empty partial outcome"))
            }
            resolve(single, completion: completion, httpStatus: httpStatus)
        }
    }

    private func expire(_ stored: StoredMessage, lane index: Int, at now: Int64) {
        finish(
            stored, lane: index, attempt: stored.attempts, startedAt: now, outcome: .expired, state: .expired,
            reason: Reason(.unknown, detail: "not_after passed before it could be sent")
        )
    }

    private func finish(
        _ stored: StoredMessage, lane index: Int, attempt: Int, startedAt: Int64, outcome: AttemptRecord.Outcome,
        state: AttemptRecord.State, httpStatus: Int? = nil, reason: Reason? = nil, vendorMessageID: String? = nil
    ) {
        let name = lanes[index].name
        counters.withLock { table in
            table[name]?.queued -= 1
            switch state {
            case .sent: table[name]?.sent += 1
            case .failed: table[name]?.failed += 1
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
                reason: reason, vendorMessageID: vendorMessageID
            )
        )
    }

    private func flushRecords() {
        guard !pendingRecords.isEmpty else { return }
        store.record(pendingRecords)
        pendingRecords.removeAll(keepingCapacity: true)
    }
}
