#if canImport(Glibc)
    import Glibc
#endif

/// Nanoseconds from CLOCK_MONOTONIC, and wall-clock epoch milliseconds for lines the script correlates.
enum MonotonicClock {
    /// The current reading in nanoseconds.
    static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    /// Epoch milliseconds (CLOCK_REALTIME).
    static func epochMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
