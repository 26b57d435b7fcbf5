import ChannelKit
public import GatewayConfig

/// Capped exponential backoff with full jitter, as a pure function of the attempt number and a random draw.
///
/// The ceiling for the wait after attempt *n* is `min(max_backoff, initial_backoff × 2^(n−1))`; the wait is
/// drawn uniformly from `[0, ceiling]` ("full jitter"), so many messages failing together do not retry
/// together. With the defaults (`initial_backoff: 1s`, `max_backoff: 5m`):
///
/// | after attempt | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10+ |
/// |---|---|---|---|---|---|---|---|---|---|---|
/// | ceiling | 1s | 2s | 4s | 8s | 16s | 32s | 64s | 128s | 256s | 300s |
///
/// A vendor's own `Retry-After` is a floor: the wait is never shorter than what the vendor asked for.
public struct RetryPolicy: Sendable, Hashable {
    /// Total attempts, the first included.
    public var attempts: Int
    /// The first ceiling, in milliseconds.
    public var initialBackoffMilliseconds: Int64
    /// The cap, in milliseconds.
    public var maxBackoffMilliseconds: Int64

    public init(attempts: Int, initialBackoff: Duration, maxBackoff: Duration) {
        self.attempts = attempts
        self.initialBackoffMilliseconds = max(1, initialBackoff.milliseconds)
        self.maxBackoffMilliseconds = max(self.initialBackoffMilliseconds, maxBackoff.milliseconds)
    }

    /// From an instance's `retry:` section.
    public init(_ configuration: RetryConfiguration) {
        self.init(
            attempts: configuration.attempts,
            initialBackoff: configuration.initialBackoff,
            maxBackoff: configuration.maxBackoff
        )
    }

    /// Whether another attempt may follow attempt number `attempt` (from 1).
    public func allowsRetry(after attempt: Int) -> Bool { attempt < attempts }

    /// The ceiling of the wait after attempt `attempt` (from 1), in milliseconds.
    public func ceilingMilliseconds(after attempt: Int) -> Int64 {
        let doublings = min(max(0, attempt - 1), 40)
        let (scaled, overflow) = initialBackoffMilliseconds.multipliedReportingOverflow(by: Int64(1) << doublings)
        return overflow ? maxBackoffMilliseconds : min(maxBackoffMilliseconds, scaled)
    }

    /// The wait after attempt `attempt`, in milliseconds.
    /// - Parameters:
    ///   - attempt: the attempt that just failed, from 1.
    ///   - unitRandom: a uniform draw in `[0, 1)`.
    ///   - vendorFloor: the vendor's `Retry-After`, if any.
    public func delayMilliseconds(after attempt: Int, unitRandom: Double, vendorFloor: Duration? = nil) -> Int64 {
        let ceiling = ceilingMilliseconds(after: attempt)
        let jittered = Int64((Double(ceiling) * min(max(unitRandom, 0), 1)).rounded(.down))
        return max(jittered, vendorFloor?.milliseconds ?? 0)
    }
}
