import Glibc

/// The system's real-time clock.
public struct SystemWallClock: WallClock {
    public init() {}

    public var nowMilliseconds: Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}
