/// An instance's send rate limit, a token bucket: the `rate_limit:` mapping of a `channels.d` file.
///
/// Keys:
/// - `per_second` (number, > 0 and at most 1,000,000; default 100): tokens added per second.
/// - `burst` (integer, >= 1; default `max(1, ceil(per_second))`): the bucket size.
public struct RateLimitConfiguration: Sendable, Hashable {
    /// Sends allowed per second on average.
    public var perSecond: Double
    /// Sends allowed back to back after an idle spell.
    public var burst: Int

    /// - Parameters:
    ///   - perSecond: sends per second, default 100.
    ///   - burst: bucket size; by default `max(1, ceil(perSecond))`.
    public init(perSecond: Double = 100, burst: Int? = nil) {
        self.perSecond = perSecond
        self.burst = burst ?? Self.defaultBurst(perSecond: perSecond)
    }

    /// The burst used when none is configured: `max(1, ceil(perSecond))`.
    public static func defaultBurst(perSecond: Double) -> Int {
        guard perSecond.isFinite, perSecond < Double(Int.max) else { return Int.max }
        return max(1, Int(perSecond.rounded(.up)))
    }
}
