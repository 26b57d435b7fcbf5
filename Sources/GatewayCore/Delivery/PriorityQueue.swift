/// One priority lane of a channel instance (critical, transactional or marketing): its window of loaded
/// messages, read from the store by cursor, and its retry and deferral timers.
///
/// Messages start in one order, ``next(wallNow:)``: due timers first (they have waited longest; earliest due,
/// then oldest commit), then the window in commit order. The batch builder draws on the same order
/// (``dueTimer(wallNow:)``, then ``peekReady()``), so messages that fall due together (quiet hours ending,
/// `not_before`, retries, cap deferrals) share requests as queued ones do.
///
/// Owned by the dispatcher thread only.
struct PriorityQueue {
    /// Loaded messages not yet started, in commit order; `readyHead` avoids shifting the array.
    var ready: [StoredMessage] = []
    var readyHead = 0
    /// Messages waiting for a retry or a deferred time.
    var timers = MessageTimers()
    /// The highest sequence loaded so far.
    var cursor: Int64 = 0
    /// Whether the store may hold queued messages past the cursor.
    var mayHaveMore = true

    static let window = 2048
    static let refillBelow = 512

    var readyCount: Int { ready.count - readyHead }

    var needsRefill: Bool { mayHaveMore && readyCount < Self.refillBelow }

    mutating func append(_ page: some Sequence<StoredMessage>, wallNow: Int64) {
        if readyHead > 0 && readyHead * 2 >= ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
        for stored in page {
            cursor = max(cursor, stored.sequence)
            if stored.nextAttemptAt > wallNow {
                timers.insert(stored)
            } else {
                ready.append(stored)
            }
        }
    }

    mutating func popReady() -> StoredMessage? {
        guard readyHead < ready.count else { return nil }
        let stored = ready[readyHead]
        readyHead += 1
        return stored
    }

    /// Holds a message until its `nextAttemptAt`.
    mutating func schedule(_ stored: StoredMessage) {
        timers.insert(stored)
    }

    var nextDueAt: Int64? { timers.nextDueAt }

    /// Whether a message can start now.
    func hasWork(wallNow: Int64) -> Bool {
        readyCount > 0 || (nextDueAt ?? Int64.max) <= wallNow
    }

    /// Whether the next message to start is a due timer rather than the window's head.
    private func timerIsNext(wallNow: Int64) -> Bool {
        if let due = timers.nextDueAt { due <= wallNow } else { false }
    }

    /// The next message to start: a due timer first (it has waited longest), then the window.
    mutating func next(wallNow: Int64) -> StoredMessage? {
        if timerIsNext(wallNow: wallNow) { return timers.popFirst() }
        return popReady()
    }

    /// The earliest timer if it is due by `wallNow` (then it is ``next(wallNow:)``), without taking it.
    func dueTimer(wallNow: Int64) -> StoredMessage? {
        timerIsNext(wallNow: wallNow) ? timers.first : nil
    }

    /// Takes the timer ``dueTimer(wallNow:)`` returned.
    mutating func dropDueTimer() {
        _ = timers.popFirst()
    }

    /// The window's next message, without taking it.
    func peekReady() -> StoredMessage? {
        readyHead < ready.count ? ready[readyHead] : nil
    }

    /// Takes the message ``peekReady()`` returned, without another copy of it.
    mutating func dropReady() {
        if readyHead < ready.count { readyHead += 1 }
    }

    /// Takes a loaded message out (ready or waiting on a timer); `nil` if this lane does not hold it.
    mutating func remove(sequence: Int64) -> StoredMessage? {
        if let position = ready[readyHead...].firstIndex(where: { $0.sequence == sequence }) {
            return ready.remove(at: position)
        }
        return timers.remove(sequence: sequence)
    }

    /// Takes out the loaded messages among `sequences` (ready or waiting on a timer) in one pass over the lane,
    /// however many a mass exit cancelled; returns how many the lane held.
    mutating func remove(sequences: Set<Int64>) -> Int {
        let kept = ready[readyHead...].filter { !sequences.contains($0.sequence) }
        let removed = readyCount - kept.count
        if removed > 0 {
            ready = kept
            readyHead = 0
        }
        return removed + timers.remove(sequences: sequences)
    }

    /// Forgets everything loaded; the next refill reads the store from the start.
    mutating func reset() {
        self = PriorityQueue()
    }
}
