import GatewayStore
import Synchronization

/// `strategy_enrolments_total{strategy,result}`: what `enrol` and `enrol_batch` came to, counted once per
/// answered request (one short lock per batch, not per customer).
///
/// Labels are bounded: strategies by name for the first ``maxStrategies`` that enrolled someone (a name the store
/// did not know counts as `unknown`, so callers cannot mint labels), later ones as `other`; results from
/// ``results``.
final class EnrolmentCounters: Sendable {
    static let maxStrategies = 64
    /// Every result label.
    static let results = [
        "enrolled", "holdout", "duplicate", "active", "once", "reenter_after", "retired", "unknown_strategy",
        "unknown_customer", "failed",
    ]

    struct Key: Hashable, Sendable {
        var strategy: String
        var result: String
    }

    private let table = Mutex<(counts: [Key: Int], strategies: Set<String>)>(([:], []))

    /// Counts the results of one request for `strategy`.
    func count(strategy: String, _ results: [EnrolResult]) {
        guard !results.isEmpty else { return }
        var tally: [String: Int] = [:]
        var unknown = 0
        for result in results {
            if case .refused(.unknownStrategy) = result {
                unknown += 1
            } else {
                tally[Self.label(result), default: 0] += 1
            }
        }
        table.withLock { table in
            if unknown > 0 { table.counts[Key(strategy: "unknown", result: "unknown_strategy"), default: 0] += unknown }
            guard !tally.isEmpty else { return }
            var name = strategy
            if !table.strategies.contains(name) {
                if table.strategies.count < Self.maxStrategies { table.strategies.insert(name) } else { name = "other" }
            }
            for (result, count) in tally { table.counts[Key(strategy: name, result: result), default: 0] += count }
        }
    }

    /// The counts so far, sorted by strategy then result.
    var counts: [(Key, Int)] {
        table.withLock { $0.counts }.sorted { ($0.key.strategy, $0.key.result) < ($1.key.strategy, $1.key.result) }
            .map { ($0.key, $0.value) }
    }

    static func label(_ result: EnrolResult) -> String {
        switch result {
        case .enrolled(_, _, let holdout): holdout ? "holdout" : "enrolled"
        case .duplicate: "duplicate"
        case .refused(let refusal): refusal.rawValue
        case .failed: "failed"
        }
    }
}
