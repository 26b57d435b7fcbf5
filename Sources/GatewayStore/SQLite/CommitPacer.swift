/// How many enrolments and advances the next commit takes: as many as fit in a target time at the cost per
/// item measured on recent commits, within the configured `commit_budget`. A plain send commits ahead of that
/// strategy work but waits for the commit in progress, so the target bounds its ACK, whatever an item costs
/// (an advance that sends costs about twice an enrolment, an encrypted store more).
struct CommitPacer {
    /// Strategy work one commit aims at (ns), besides the commit's own fixed cost.
    static let targetNanoseconds: Double = 4_000_000
    /// The fewest items a commit takes, so the fixed cost of a commit stays a small share.
    static let floor = 32
    /// Weight of the newest commit in the running cost per item.
    static let weight = 0.2

    /// Running cost of one item (ns), timed over the items alone (not the commit, which would make small
    /// commits look dear per item and shrink them further); `nil` until measured.
    private(set) var nanosecondsPerItem: Double?

    /// Items the next commit takes, at most `limit` (the configured `commit_budget`).
    func budget(limit: Int) -> Int {
        guard let cost = nanosecondsPerItem, cost > 0 else { return min(limit, Self.floor * 4) }
        return min(limit, max(Self.floor, Int(Self.targetNanoseconds / cost)))
    }

    /// Counts a commit's `items` strategy items, applied in `took`.
    mutating func observe(items: Int, took: Duration) {
        let parts = took.components
        let nanoseconds = Double(parts.seconds) * 1e9 + Double(parts.attoseconds) / 1e9
        guard items > 0, nanoseconds > 0 else { return }
        let cost = nanoseconds / Double(items)
        nanosecondsPerItem = nanosecondsPerItem.map { $0 + Self.weight * (cost - $0) } ?? cost
    }
}
