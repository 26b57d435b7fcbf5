import GatewayStore

/// The messages of one priority lane that wait for a time (retry backoff, `not_before`, quiet hours, deferred
/// caps, a send window): a binary min-heap by due time, then sequence.
///
/// A heap, because whole pages of deferred messages arrive at once and retries of a failed batch by the hundred:
/// each insertion and each release costs O(log n), never a shift of every timer held. Among messages due at the
/// same time the oldest commit comes first, so a release keeps commit order and same-key neighbours together.
struct MessageTimers {
    private var heap: [StoredMessage] = []

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    /// The earliest due message, if any.
    var first: StoredMessage? { heap.first }

    /// When the earliest due message falls due (read in place: no copy of the message).
    var nextDueAt: Int64? { heap.isEmpty ? nil : heap[0].nextAttemptAt }

    /// Whether `a` starts before `b`: earlier due time, then lower sequence.
    private static func precedes(_ a: StoredMessage, _ b: StoredMessage) -> Bool {
        a.nextAttemptAt != b.nextAttemptAt ? a.nextAttemptAt < b.nextAttemptAt : a.sequence < b.sequence
    }

    mutating func insert(_ stored: StoredMessage) {
        heap.append(stored)
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest due message.
    mutating func popFirst() -> StoredMessage? {
        remove(at: 0)
    }

    /// Takes out the message with this sequence, if held (an operator's cancel: a linear search).
    mutating func remove(sequence: Int64) -> StoredMessage? {
        guard let position = heap.firstIndex(where: { $0.sequence == sequence }) else { return nil }
        return remove(at: position)
    }

    /// Takes out the messages among `sequences`, then rebuilds the heap once; returns how many it held.
    mutating func remove(sequences: Set<Int64>) -> Int {
        let before = heap.count
        heap.removeAll { sequences.contains($0.sequence) }
        guard heap.count < before else { return 0 }
        for position in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(position) }
        return before - heap.count
    }

    private mutating func remove(at position: Int) -> StoredMessage? {
        guard position < heap.count else { return nil }
        heap.swapAt(position, heap.count - 1)
        let removed = heap.removeLast()
        if position < heap.count {
            siftDown(position)
            siftUp(position)
        }
        return removed
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, Self.precedes(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, Self.precedes(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
