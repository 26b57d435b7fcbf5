/// Strategy runs finished early (exit, opt-out, `exit_on`) whose messages the dispatcher must not start.
///
/// The store marks a finished run's queued messages cancelled in the same commit, but a message already paged into
/// the dispatcher's memory (or rescheduled there after a retry) would still start. The dispatcher checks each
/// strategy message against this set before a transfer. An id is kept long enough for anything paged before the
/// exit to come up (`keep`); the set is bounded, oldest first out, so a mass exit cannot grow it without limit.
struct RunHolds {
    /// How long a run id is held (wall ms).
    let keep: Int64
    /// The most ids held; beyond it the oldest go first.
    let capacity: Int
    private var expiry: [Int64: Int64] = [:]
    /// Ids in the order they were held, with the time each expires; entries of re-held ids are skipped.
    private var order: [(runID: Int64, until: Int64)] = []
    private var head = 0

    init(keep: Int64 = 600_000, capacity: Int = 200_000) {
        self.keep = keep
        self.capacity = capacity
    }

    var isEmpty: Bool { expiry.isEmpty }
    var count: Int { expiry.count }

    /// Holds `runIDs` from `now` for `keep`, first dropping what has expired.
    mutating func hold(_ runIDs: [Int64], now: Int64) {
        expire(now: now)
        let until = now + keep
        for runID in runIDs {
            expiry[runID] = until
            order.append((runID, until))
        }
        while expiry.count > capacity, head < order.count { dropHead() }
        compact()
    }

    /// Whether the run's messages are held at `now`.
    func contains(_ runID: Int64, now: Int64) -> Bool {
        guard let until = expiry[runID] else { return false }
        return until > now
    }

    /// Drops the ids whose time is up.
    mutating func expire(now: Int64) {
        while head < order.count, order[head].until <= now { dropHead() }
        compact()
    }

    private mutating func dropHead() {
        let entry = order[head]
        head += 1
        // A later hold of the same run moved its expiry on: that entry removes it.
        if expiry[entry.runID] == entry.until { expiry[entry.runID] = nil }
    }

    /// Reclaims the consumed front of `order` once it is most of the array.
    private mutating func compact() {
        guard head > 1024, head * 2 > order.count else { return }
        order.removeFirst(head)
        head = 0
    }
}
