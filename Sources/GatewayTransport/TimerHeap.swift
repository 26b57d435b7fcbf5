/// A binary min-heap of loopback transfers by the instant they are due.
///
/// Loopback answers are timers on the transport thread; a heap keeps many thousands cheap.
struct TimerHeap {
    struct Entry {
        var deadline: ContinuousClock.Instant
        var sequence: Int
        var transfer: Transfer
        /// Whether the timer stands for the request's timeout rather than its simulated latency.
        var isTimeout: Bool

        func precedes(_ other: Entry) -> Bool {
            deadline != other.deadline ? deadline < other.deadline : sequence < other.sequence
        }
    }

    private var entries: [Entry] = []
    private var nextSequence = 0

    var isEmpty: Bool { entries.isEmpty }

    /// The earliest deadline, if any.
    var nextDeadline: ContinuousClock.Instant? { entries.first?.deadline }

    mutating func insert(_ transfer: Transfer, at deadline: ContinuousClock.Instant, isTimeout: Bool) {
        // The sequence keeps equal deadlines in submission order.
        entries.append(Entry(deadline: deadline, sequence: nextSequence, transfer: transfer, isTimeout: isTimeout))
        nextSequence += 1
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    mutating func popDue(now: ContinuousClock.Instant) -> Entry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        return popFirst()
    }

    /// Removes and returns the earliest entry.
    mutating func popFirst() -> Entry? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let first = entries.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
            if smallest == parent { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
