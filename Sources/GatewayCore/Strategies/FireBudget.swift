/// How many timers the engine may fire now: live timers up to `max_fire_rate` a second, and timers that fell
/// due while the daemon was down (catch-up) up to `catch_up_rate`, taken only from what live fires leave.
///
/// A restart after downtime thus spreads the backlog out instead of firing it as one burst that would starve
/// live sends. Time is passed in (monotonic nanoseconds), never read. Owned by the engine thread.
struct FireBudget {
    private var live: TokenBucket
    private var catchUp: TokenBucket

    /// - Parameters:
    ///   - liveRate: live fires a second.
    ///   - catchUpRate: catch-up fires a second.
    ///   - now: monotonic nanoseconds.
    init(liveRate: Int, catchUpRate: Int, now: Int64) {
        let liveRate = max(1, liveRate)
        let catchUpRate = max(1, min(catchUpRate, liveRate))
        // A burst of a tenth of a second: a turn may fire that many at once, never a whole second's worth.
        live = TokenBucket(perSecond: Double(liveRate), burst: max(1, liveRate / 10), now: now)
        catchUp = TokenBucket(perSecond: Double(catchUpRate), burst: max(1, catchUpRate / 10), now: now)
    }

    /// Takes a live fire if one is available.
    mutating func takeLive(now: Int64) -> Bool { live.take(now: now) }

    /// Takes a catch-up fire if one is available; it also uses a live one, so catch-up never exceeds live.
    mutating func takeCatchUp(now: Int64) -> Bool {
        guard live.available(now: now) >= 1, catchUp.available(now: now) >= 1 else { return false }
        _ = live.take(now: now)
        _ = catchUp.take(now: now)
        return true
    }

    /// Nanoseconds until a live fire is available (0 if one is).
    mutating func nanosecondsUntilLive(now: Int64) -> Int64 { live.nanosecondsUntilToken(now: now) }

    /// Nanoseconds until a catch-up fire is available (0 if one is).
    mutating func nanosecondsUntilCatchUp(now: Int64) -> Int64 {
        max(live.nanosecondsUntilToken(now: now), catchUp.nanosecondsUntilToken(now: now))
    }

    /// New rates after a reload, keeping the tokens earned.
    mutating func reconfigure(liveRate: Int, catchUpRate: Int, now: Int64) {
        let liveRate = max(1, liveRate)
        let catchUpRate = max(1, min(catchUpRate, liveRate))
        live.reconfigure(perSecond: Double(liveRate), burst: max(1, liveRate / 10), now: now)
        catchUp.reconfigure(perSecond: Double(catchUpRate), burst: max(1, catchUpRate / 10), now: now)
    }
}
