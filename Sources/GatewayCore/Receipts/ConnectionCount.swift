import Synchronization

/// Open connections against a cap, shared by the listener's accept path and its connections' close futures.
final class ConnectionCount: Sendable {
    private let open = Atomic<Int>(0)
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts one more connection if under the cap.
    func acquire() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = open.compareExchange(
                expected: current, desired: current + 1, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// A counted connection closed.
    func release() { open.subtract(1, ordering: .relaxed) }
}
