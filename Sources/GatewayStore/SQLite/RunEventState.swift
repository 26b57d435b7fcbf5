import GatewayConfig

/// What the writer's event hooks keep across commits: the affinity settings, the rules of strategy versions
/// (immutable once registered, so cached for good).
// Touched by the writer thread only (settings arrive through a writer transaction).
final class RunEventState: @unchecked Sendable {
    /// Channel affinity arithmetic with the configured half-life and thresholds.
    var score = ChannelScore(AffinitySettings())
    /// Rules per (strategy, version), as registered.
    var rules: [String: StrategyRules] = [:]
}
