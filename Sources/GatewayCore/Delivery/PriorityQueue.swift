/// One priority lane of a channel instance (critical, transactional or marketing): its window of loaded
/// messages, read from the store by cursor, and its retry and deferral timers.
///
/// Owned by the dispatcher thread only.
struct PriorityQueue {
    /// Loaded messages not yet started, in commit order; `readyHead` avoids shifting the array.
    var ready: [StoredMessage] = []
    var readyHead = 0
    /// Messages waiting for a retry or a deferred time, sorted by due time (earliest last, so popping is cheap).
    var timers: [StoredMessage] = []
    /// The highest sequence loaded so far.
    var cursor: Int64 = 0
    /// Whether the store may hold queued messages past the cursor.
    var mayHaveMore = true

    static let window = 2048
    static let refillBelow = 512

    var readyCount: Int { ready.count - readyHead }

    var needsRefill: Bool { mayHaveMore && readyCount < Self.refillBelow }

    mutating func append(_ page: [StoredMessage], wallNow: Int64) {
        if readyHead > 0 && readyHead * 2 >= ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
        for stored in page {
            cursor = max(cursor, stored.sequence)
            if stored.nextAttemptAt > wallNow {
                schedule(stored)
            } else {
                ready.append(stored)
            }
        }
    }

    /// The next loaded message, without taking it.
    func peekReady() -> StoredMessage? {
        readyHead < ready.count ? ready[readyHead] : nil
    }

    mutating func popReady() -> StoredMessage? {
        guard readyHead < ready.count else { return nil }
        let stored = ready[readyHead]
        readyHead += 1
        return stored
    }

    /// Holds a message until its `nextAttemptAt`.
    mutating func schedule(_ stored: StoredMessage) {
        // Sorted descending by due time: binary search for the insertion point.
        var low = 0
        var high = timers.count
        while low < high {
            let middle = (low + high) / 2
            if timers[middle].nextAttemptAt > stored.nextAttemptAt { low = middle + 1 } else { high = middle }
        }
        timers.insert(stored, at: low)
    }

    /// The next timer due by `wallNow`, if any.
    mutating func popDue(wallNow: Int64) -> StoredMessage? {
        guard let last = timers.last, last.nextAttemptAt <= wallNow else { return nil }
        return timers.removeLast()
    }

    var nextDueAt: Int64? { timers.last?.nextAttemptAt }

    /// Whether a message can start now.
    func hasWork(wallNow: Int64) -> Bool {
        readyCount > 0 || (nextDueAt ?? Int64.max) <= wallNow
    }

    /// The next message to start: a due timer first (it has waited longest), then the window.
    mutating func next(wallNow: Int64) -> StoredMessage? {
        popDue(wallNow: wallNow) ?? popReady()
    }

    /// Takes a loaded message out (ready or waiting on a timer); `nil` if this lane does not hold it.
    mutating func remove(sequence: Int64) -> StoredMessage? {
        if let position = ready[readyHead...].firstIndex(where: { $0.sequence == sequence }) {
            return ready.remove(at: position)
        }
        if let position = timers.firstIndex(where: { $0.sequence == sequence }) {
            return timers.remove(at: position)
        }
        return nil
    }

    /// Forgets everything loaded; the next refill reads the store from the start.
    mutating func reset() {
        self = PriorityQueue()
    }
}
