import GatewayStore

/// The due timers the engine holds in memory: a min-heap in `(dueAt, runID)` order with a fixed capacity.
///
/// The store is the engine's memory; this is only a window onto its `run_timers_due` index, so it is bounded
/// (`horizon_entries`) and a timer that does not fit is simply read again later. Owned by the engine thread.
struct TimerHorizon {
    /// The most timers held at once.
    let capacity: Int
    private var heap: [DueTimer] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        heap.reserveCapacity(min(self.capacity, 4_096))
    }

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }
    var isFull: Bool { heap.count >= capacity }
    /// Room left before the capacity.
    var room: Int { capacity - heap.count }

    /// The earliest timer, if any.
    var first: DueTimer? { heap.first }

    /// Adds a timer; `false` (and nothing added) when full.
    @discardableResult
    mutating func insert(_ timer: DueTimer) -> Bool {
        guard heap.count < capacity else { return false }
        heap.append(timer)
        siftUp(heap.count - 1)
        return true
    }

    /// Removes and returns the earliest timer if it is due at or before `now`.
    mutating func popDue(now: Int64) -> DueTimer? {
        guard let head = heap.first, head.dueAt <= now else { return nil }
        return popFirst()
    }

    /// Removes and returns the earliest timer.
    mutating func popFirst() -> DueTimer? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let head = heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
        return head
    }

    /// Drops every timer (a reload of the engine's view, e.g. after the store failed).
    mutating func removeAll() { heap.removeAll(keepingCapacity: true) }

    private static func before(_ lhs: DueTimer, _ rhs: DueTimer) -> Bool {
        lhs.dueAt != rhs.dueAt ? lhs.dueAt < rhs.dueAt : lhs.runID < rhs.runID
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.before(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var best = left
            if left + 1 < heap.count, Self.before(heap[left + 1], heap[left]) { best = left + 1 }
            guard Self.before(heap[best], heap[parent]) else { return }
            heap.swapAt(best, parent)
            parent = best
        }
    }
}
