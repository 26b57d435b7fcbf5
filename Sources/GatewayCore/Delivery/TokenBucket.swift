/// A token bucket: `perSecond` tokens a second, holding at most `burst`. Time is passed in, never read.
///
/// Messages over the rate are not dropped: the dispatcher asks ``nanosecondsUntilToken(now:)`` and waits.
public struct TokenBucket: Sendable, Hashable {
    /// Refill rate, tokens per second.
    public private(set) var perSecond: Double
    /// Capacity.
    public private(set) var burst: Double
    private var tokens: Double
    private var updatedAt: Int64

    /// A full bucket at time `now`.
    /// - Parameters:
    ///   - perSecond: refill rate (> 0).
    ///   - burst: capacity (≥ 1).
    ///   - now: monotonic nanoseconds.
    public init(perSecond: Double, burst: Int, now: Int64) {
        self.perSecond = perSecond
        self.burst = Double(max(1, burst))
        self.tokens = self.burst
        self.updatedAt = now
    }

    private mutating func refill(now: Int64) {
        guard now > updatedAt else { return }
        tokens = min(burst, tokens + Double(now - updatedAt) * perSecond / 1e9)
        updatedAt = now
    }

    /// Takes one token if available.
    public mutating func take(now: Int64) -> Bool {
        refill(now: now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// Whole tokens available now.
    public mutating func available(now: Int64) -> Double {
        refill(now: now)
        return tokens.rounded(.down)
    }

    /// Nanoseconds until one token is available (0 if one is).
    public mutating func nanosecondsUntilToken(now: Int64) -> Int64 {
        refill(now: now)
        guard tokens < 1 else { return 0 }
        return Int64(((1 - tokens) / perSecond * 1e9).rounded(.up))
    }

    /// Nanoseconds until a batch of tokens is available (0 if one token is): the tokens earned in `quantum`
    /// nanoseconds, at least one and at most the capacity.
    ///
    /// A sender held at the rate waits for this rather than ``nanosecondsUntilToken(now:)``: one wake sends the
    /// batch instead of one wake (and one handoff to the transfer thread) per token, and the rate is unchanged
    /// because the bucket keeps what it earns meanwhile. With a capacity of 1 it is the wait for one token.
    public mutating func nanosecondsUntilBatch(now: Int64, quantum: Int64) -> Int64 {
        refill(now: now)
        guard tokens < 1 else { return 0 }
        let batch = min(burst, max(1, (perSecond * Double(quantum) / 1e9).rounded(.down)))
        return Int64(((batch - tokens) / perSecond * 1e9).rounded(.up))
    }

    /// Changes rate and capacity, keeping the tokens already earned (up to the new capacity).
    public mutating func reconfigure(perSecond: Double, burst: Int, now: Int64) {
        refill(now: now)
        self.perSecond = perSecond
        self.burst = Double(max(1, burst))
        tokens = min(tokens, self.burst)
    }
}
