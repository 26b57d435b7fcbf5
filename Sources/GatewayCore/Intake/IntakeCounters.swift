import Synchronization

/// What the control socket took in since start, for `stats` and `/metrics`.
final class IntakeCounters: Sendable {
    let accepted = Atomic<Int>(0)
    let duplicates = Atomic<Int>(0)
    let rejected = Atomic<Int>(0)
    let suppressed = Atomic<Int>(0)
    let deferred = Atomic<Int>(0)

    /// Every counter by its `stats` name, in the order `/metrics` lists them.
    var all: [(String, Int)] {
        [
            ("accepted", accepted.load(ordering: .relaxed)), ("duplicates", duplicates.load(ordering: .relaxed)),
            ("rejected", rejected.load(ordering: .relaxed)), ("suppressed", suppressed.load(ordering: .relaxed)),
            ("deferred", deferred.load(ordering: .relaxed)),
        ]
    }
}
