import Synchronization

/// Per-client results written from the clients' threads and read once all of them finished.
final class ResultSlots: Sendable {
    private let slots: Mutex<[BenchClient.Result?]>

    init(count: Int) {
        slots = Mutex(Array(repeating: nil, count: count))
    }

    /// Stores client `index`'s result.
    func store(_ result: BenchClient.Result, at index: Int) {
        slots.withLock { $0[index] = result }
    }

    /// Every stored result, in client order.
    var all: [BenchClient.Result] {
        slots.withLock { $0.compactMap { $0 } }
    }
}
