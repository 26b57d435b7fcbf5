import GatewayStore
import Synchronization

/// The engine's counters for `/metrics`, updated after commits (never by queries at scrape time).
///
/// Labels are bounded: strategies by configured name (the first ``maxStrategies``, then `other`), steps by the
/// ids of a definition (at most 64 each), outcomes from a fixed set. Totals are atomics; the per-step table
/// takes one short lock per completed batch, not per run.
final class StrategyCounters: Sendable {
    /// Strategy labels kept apart; later names share `other`.
    static let maxStrategies = 64
    /// Step outcome labels (a `suppressed:<reason>` row counts as `suppressed`, an `event:<name>` as `event`).
    static let outcomes: Set<String> = [
        "sent", "suppressed", "deferred", "held_out", "waited", "timed_out", "tagged", "branched", "handed_off",
        "completed", "event",
    ]

    /// A key of the per-step table.
    struct StepKey: Hashable, Sendable {
        var strategy: String
        var step: String
        var outcome: String
    }

    let liveFires = Atomic<Int>(0)
    let catchUpFires = Atomic<Int>(0)
    let advanced = Atomic<Int>(0)
    /// Advances whose compare-and-set another settler won (an event, an exit, a newer timer).
    let casLost = Atomic<Int>(0)
    /// Timers dropped before submitting: the run had moved on (its revision changed) or was gone.
    let stale = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    /// Timers in the engine's horizon now (gauge).
    let horizon = Atomic<Int>(0)
    /// Timers past due by more than 5 s and not yet consumed, counted every 5 s up to a limit (gauge).
    let overdue = Atomic<Int>(0)
    /// Advances submitted and not yet committed (gauge).
    let inFlight = Atomic<Int>(0)
    /// Commit time − due time of fired timers, live and catch-up (the daemon was down when they fell due).
    let liveLateness = LatencyHistogram(bounds: StrategyCounters.latenessBounds)
    let catchUpLateness = LatencyHistogram(bounds: StrategyCounters.latenessBounds)
    /// Fine around the 1 s a journey's timers are held to, and between 10 and 30 s, where a bucket as wide as
    /// before read p99 ~12 s as "28.9 s" once interpolated.
    static let latenessBounds = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 2.5, 5, 7.5, 10, 12.5, 15, 20, 30, 60, 300]

    private let steps = Mutex<[StepKey: Int]>([:])
    private let labels = Mutex<Set<String>>([])

    /// Counts the history rows a committed batch wrote, by strategy, step and outcome.
    func countSteps(_ rows: [(strategy: String, step: String, outcome: RunStepRecord.Outcome)]) {
        guard !rows.isEmpty else { return }
        let keys = rows.map { row in
            StepKey(strategy: label(for: row.strategy), step: row.step, outcome: Self.outcomeLabel(row.outcome))
        }
        steps.withLock { table in
            for key in keys { table[key, default: 0] += 1 }
        }
    }

    /// The per-step counts so far.
    var stepCounts: [StepKey: Int] { steps.withLock { $0 } }

    /// The strategy's label: its name while fewer than ``maxStrategies`` are labelled, else `other`.
    func label(for strategy: String) -> String {
        labels.withLock { known in
            if known.contains(strategy) { return strategy }
            guard known.count < Self.maxStrategies else { return "other" }
            known.insert(strategy)
            return strategy
        }
    }

    /// The bounded label of a history outcome.
    static func outcomeLabel(_ outcome: RunStepRecord.Outcome) -> String {
        if outcome.isSuppressed { return "suppressed" }
        if outcome.rawValue.hasPrefix("event:") { return "event" }
        return outcomes.contains(outcome.rawValue) ? outcome.rawValue : "other"
    }
}
