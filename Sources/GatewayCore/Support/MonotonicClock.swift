import Glibc

/// Monotonic time in nanoseconds, for rate limits and timers; injected so tests can drive it.
public protocol MonotonicClock: Sendable {
    /// Nanoseconds since an arbitrary fixed point; never goes backwards.
    var nowNanoseconds: Int64 { get }
}

/// The system's monotonic clock.
public struct SystemMonotonicClock: MonotonicClock {
    public init() {}

    public var nowNanoseconds: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
