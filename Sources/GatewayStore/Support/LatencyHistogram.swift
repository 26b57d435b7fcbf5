import Synchronization

/// A Prometheus-style cumulative histogram of latencies, safe to observe from any thread (a short lock per
/// observation; nothing is held across I/O).
public final class LatencyHistogram: Sendable {
    private struct State {
        var counts: [Int]
        var total = 0
        var sumMilliseconds: Int64 = 0
    }

    /// Upper bounds of the buckets, in seconds.
    public let bounds: [Double]
    private let state: Mutex<State>

    /// - Parameter bounds: ascending upper bounds in seconds (`+Inf` is implied).
    public init(bounds: [Double]) {
        self.bounds = bounds
        state = Mutex(State(counts: Array(repeating: 0, count: bounds.count)))
    }

    /// Counts one observation.
    public func observe(milliseconds: Int64) {
        let seconds = Double(milliseconds) / 1000
        let bucket = bounds.firstIndex { seconds <= $0 }
        state.withLock { state in
            if let bucket { state.counts[bucket] += 1 }
            state.total += 1
            state.sumMilliseconds += milliseconds
        }
    }

    /// Cumulative counts per bound, the total count and the sum in seconds.
    public func snapshot() -> (cumulative: [Int], count: Int, sumSeconds: Double) {
        let copy = state.withLock { $0 }
        var running = 0
        let cumulative = copy.counts.map { count in
            running += count
            return running
        }
        return (cumulative, copy.total, Double(copy.sumMilliseconds) / 1000)
    }
}
