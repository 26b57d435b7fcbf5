/// How many enrolments and advances the next commit takes: as many as fit in a target time at the cost per
/// item measured on recent commits, within the configured `commit_budget`. A plain send commits ahead of that
/// strategy work but waits for the commit in progress, so the target bounds its ACK, whatever an item costs
/// (an advance that sends costs about twice an enrolment, an encrypted store more).
///
/// While nobody waits on the writer (no send, receipt, click, event or consent change for ``quietAfter``), as
/// in a burst of timers falling due, commits take ``quietTargetNanoseconds`` of work instead: each commit's
/// fsync (~1-2 ms here) is then shared by ten times the advances. The first answer awaited after a quiet spell
/// may wait for one such commit; every later one is back under the short target.
struct CommitPacer {
    /// Strategy work one commit aims at (ns), besides the commit's own fixed cost.
    static let targetNanoseconds: Double = 2_000_000
    /// Strategy work one commit aims at (ns) while nobody waits on the writer.
    static let quietTargetNanoseconds: Double = 40_000_000
    /// How long (ms) after the last awaited operation the writer counts as quiet.
    static let quietAfter: Int64 = 1_000
    /// The fewest items a commit takes, so the fixed cost of a commit stays a small share.
    static let floor = 32
    /// Weight of the newest commit in the running cost per item.
    static let weight = 0.2

    /// Running cost of one item (ns), timed over the items alone (not the commit, which would make small
    /// commits look dear per item and shrink them further); `nil` until measured.
    private(set) var nanosecondsPerItem: Double?

    /// When (wall ms) an operation someone waits on was last taken; `nil` if none yet.
    private(set) var awaitedAt: Int64?

    /// Items the next commit takes at `now` (wall ms), at most `limit` (the configured `commit_budget`).
    func budget(limit: Int, now: Int64) -> Int {
        guard let cost = nanosecondsPerItem, cost > 0 else { return min(limit, Self.floor * 4) }
        let quiet = awaitedAt.map { now - $0 >= Self.quietAfter } ?? true
        let target = quiet ? Self.quietTargetNanoseconds : Self.targetNanoseconds
        return min(limit, max(Self.floor, Int(target / cost)))
    }

    /// Notes that an operation someone waits on was taken at `now` (wall ms).
    mutating func awaited(at now: Int64) {
        awaitedAt = now
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
