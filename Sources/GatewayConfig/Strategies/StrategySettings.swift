/// `gateway.yaml` `strategies:` (every key optional; defaults shown):
/// - `commit_budget` (1...100000; 500): the most enrolments + run advances one store commit takes. Within it the
///   writer sizes commits to ~4 ms of strategy work (`CommitPacer`), ~40 ms while nothing waited on has reached
///   it for a second, and commits plain sends ahead of them, so a send waits for at most the strategy commit in
///   progress. Each commit costs an fsync: smaller trades enrolment rate for send latency.
/// - `max_fire_rate` (per second; 20000): timers fired per second while live.
/// - `catch_up_rate` (per second; 2000): timers that fell due while the daemon was down, fired per second.
/// - `catch_up_max_backlog` (100...10000000; 50000): catch-up fires pause while the dispatcher's marketing
///   backlog exceeds this; live fires are bounded only by the writer and `max_fire_rate`.
/// - `horizon_entries` (1000...1000000; 50000): due timers the engine holds in memory at most.
/// - `quiet_hours_spread` (duration; 10m): deferred steps are spread over this much after the window opens.
/// - `enrol_key_window` (duration; 30d): how long an enrol key is remembered.
/// - `affinity`: see ``AffinitySettings``.
public struct StrategySettings: Sendable, Equatable {
    public var commitBudget: Int
    public var maxFireRate: Int
    public var catchUpRate: Int
    public var horizonEntries: Int
    public var quietHoursSpread: Duration
    public var enrolKeyWindow: Duration
    public var affinity: AffinitySettings
    public var catchUpMaxBacklog = 50_000

    public init(
        commitBudget: Int = 500, maxFireRate: Int = 20_000, catchUpRate: Int = 2_000, horizonEntries: Int = 50_000,
        quietHoursSpread: Duration = .seconds(600), enrolKeyWindow: Duration = .seconds(30 * 86_400),
        affinity: AffinitySettings = AffinitySettings()
    ) {
        self.commitBudget = commitBudget
        self.maxFireRate = maxFireRate
        self.catchUpRate = catchUpRate
        self.horizonEntries = horizonEntries
        self.quietHoursSpread = quietHoursSpread
        self.enrolKeyWindow = enrolKeyWindow
        self.affinity = affinity
    }
}
