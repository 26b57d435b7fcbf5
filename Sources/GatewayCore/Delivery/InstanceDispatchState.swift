import ChannelKit
import GatewayConfig
import GatewayStore

/// One channel instance's dispatch state: its priority lanes, rate and concurrency.
///
/// Owned by the dispatcher thread only. The store is the queue; each priority lane holds a bounded window of it,
/// read in commit order from a cursor, so a backlog of millions costs disk, not memory.
struct InstanceDispatchState {
    let name: String
    /// What the configuration says; a reload swaps it whole, while the window, timers and transfers in flight
    /// carry on.
    var settings: Settings
    /// `settings.failover` while that instance is configured and not held (the dispatcher keeps it current on
    /// reloads).
    var activeBackup: String?
    /// Calls placed and not yet reported, by vendor id (the call id), with when their slot lapses.
    var activeCalls: [String: Int64] = [:]
    /// Set when a reload removed the instance: nothing new starts; its queued messages stay in the store.
    var isHeld = false
    /// Its queue is being moved to another instance: nothing starts, nothing is loaded, until the move commits.
    var isFrozen = false
    var bucket: TokenBucket
    /// The configured rate and burst, before ``rateShare``.
    private var configuredRate: (perSecond: Double, burst: Int)
    /// This node's share of the configured rate: 1 alone, 1/n with n nodes on one PostgreSQL store, so the
    /// vendor sees the configured rate from the whole cluster.
    private(set) var rateShare = 1.0
    /// The priority lanes' queues; they share the bucket and the concurrency limit.
    var queues = PerLane(repeating: PriorityQueue())
    /// Smooth weighted round-robin credit of the transactional and marketing lanes.
    var credit = LaneCounts.zero
    var inFlight = 0
    /// The instance's access token, when its adapter needs one.
    var accessTokens = AccessTokenCache()
    var needsAccessToken: Bool { settings.capabilities.accessTokenProviding != nil }

    /// Shares of the vendor budget when several lanes have work: critical always goes first; transactional and
    /// marketing share what is left 4:1, so a marketing blast still moves but never delays a notice much.
    static let weights = PerLane { lane in
        switch lane {
        case .critical: 0
        case .transactional: 4
        case .marketing: 1
        }
    }

    init(configuration: ChannelInstanceConfiguration, now: Int64, timeZone: String) {
        name = configuration.name
        settings = Settings(configuration, timeZone: timeZone)
        configuredRate = (configuration.rateLimit.perSecond, configuration.rateLimit.burst)
        bucket = TokenBucket(
            perSecond: configuration.rateLimit.perSecond,
            burst: configuration.rateLimit.burst,
            now: now
        )
    }

    /// Takes the settings of a reloaded configuration of the same instance.
    mutating func reconfigure(_ configuration: ChannelInstanceConfiguration, now: Int64, timeZone: String) {
        settings = Settings(configuration, timeZone: timeZone)
        // New settings may mean new credentials: the next send fetches a fresh token.
        accessTokens.reset()
        configuredRate = (configuration.rateLimit.perSecond, configuration.rateLimit.burst)
        share(rateShare, now: now)
        isHeld = false
        for lane in PriorityLane.allCases { queues[lane].mayHaveMore = true }
    }

    /// Takes `fraction` of the configured rate and burst (at least one token of burst).
    mutating func share(_ fraction: Double, now: Int64) {
        rateShare = fraction
        bucket.reconfigure(
            perSecond: configuredRate.perSecond * fraction,
            burst: max(1, Int((Double(configuredRate.burst) * fraction).rounded(.down))), now: now)
    }

    var needsRefill: Bool {
        queues[.critical].needsRefill || queues[.transactional].needsRefill || queues[.marketing].needsRefill
    }

    /// Whether another call may start: requests in flight plus calls awaiting their result stay under the cap.
    var hasCallSlot: Bool {
        guard let maxConcurrentCalls = settings.maxConcurrentCalls else { return true }
        return inFlight + activeCalls.count < maxConcurrentCalls
    }

    /// Frees the slots of calls whose slot time has passed; the earliest remaining lapse, if any.
    mutating func expireCalls(now: Int64) -> Int64? {
        guard !activeCalls.isEmpty else { return nil }
        activeCalls = activeCalls.filter { $0.value > now }
        return activeCalls.values.min()
    }

    /// Whether any lane has a message that can start now.
    func hasWork(wallNow: Int64) -> Bool {
        queues[.critical].hasWork(wallNow: wallNow) || queues[.transactional].hasWork(wallNow: wallNow)
            || queues[.marketing].hasWork(wallNow: wallNow)
    }

    /// Picks the lane of the next message to start: critical strictly first, then transactional and marketing by
    /// smooth weighted round-robin among those with work (no lane's budget is set aside while it is idle).
    mutating func nextLane(wallNow: Int64) -> PriorityLane? {
        if queues[.critical].hasWork(wallNow: wallNow) { return .critical }
        let transactional = queues[.transactional].hasWork(wallNow: wallNow)
        let marketing = queues[.marketing].hasWork(wallNow: wallNow)
        guard transactional, marketing else { return transactional ? .transactional : marketing ? .marketing : nil }
        credit[.transactional] += Self.weights[.transactional]
        credit[.marketing] += Self.weights[.marketing]
        // Ties go to transactional.
        let chosen: PriorityLane = credit[.marketing] > credit[.transactional] ? .marketing : .transactional
        credit[chosen] -= Self.weights[.transactional] + Self.weights[.marketing]
        return chosen
    }

    /// The earliest timer of any lane.
    var nextDueAt: Int64? {
        [queues[.critical].nextDueAt, queues[.transactional].nextDueAt, queues[.marketing].nextDueAt].compactMap {
            $0
        }.min()
    }

    /// Messages loaded but not started, across lanes.
    var loadedCount: Int {
        PriorityLane.allCases.reduce(0) { $0 + queues[$1].readyCount + queues[$1].timers.count }
    }

    /// The instance's delivery policy at `now` (wall-clock epoch milliseconds), for one decision.
    func decision(now: Int64) -> DeliveryDecision {
        DeliveryDecision(
            instance: name, retryPolicy: settings.retryPolicy, onAmbiguous: settings.onAmbiguous,
            checksUnansweredSends: settings.checksUnansweredSends, backup: activeBackup,
            callSlotTimeout: settings.maxConcurrentCalls == nil ? nil : settings.callSlotTimeout, now: now)
    }
}
