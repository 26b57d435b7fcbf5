/// Live counters of one channel instance, for `stats` and `channels`.
public struct ChannelCounters: Sendable, Hashable {
    public var queued = 0
    public var inFlight = 0
    public var sent = 0
    public var failed = 0
    public var expired = 0
    public var retried = 0
    /// Access tokens obtained, and token fetches that failed.
    public var tokenRefreshes = 0
    public var tokenFailures = 0
    /// Messages moved to the backup instance after a vendor-side failure.
    public var failedOver = 0
    /// Messages whose request went out and got no answer (the vendor may have accepted them), resent or not.
    public var ambiguous = 0
    /// Messages recorded as sent on a 2xx whose body could not be read.
    public var unreadableReplies = 0
    /// Vendor answers to "did you take this unanswered send?", by result: `found`, `not_found`, `unknown`.
    public var sendChecks: [String: Int] = [:]
    /// Final failures by reason category.
    public var failuresByReason: [String: Int] = [:]
    /// The instance was removed by a reload; its queued messages are held in the store.
    public var held = false
    /// Paused by an operator: it takes messages but starts no transfers until resumed. A published copy of the
    /// dispatcher's own record (``Dispatcher/pausedNames``), set when the pause is applied.
    public var paused = false
    /// How its vendor has been answering.
    public var vendor = VendorHealth()

    public init() {}
}
