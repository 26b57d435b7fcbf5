/// How one vendor error code is treated: the reason category it means, whether it is retried (and when), and
/// the table's own words for it.
///
/// One shape for every vendor's table (``VendorCodeTable``), so a profile's table reads the same as any other's
/// and each row stays one line: `"isv.DAY_LIMIT_CONTROL": .reject(.quotaExceeded)`.
public struct VendorCodeRule: Sendable, Hashable {
    /// Whether a code fails the message or is tried again, and when.
    public enum Verdict: Sendable, Hashable {
        /// Permanent: the message fails.
        case reject
        /// Transient: retried, no sooner than `after` when the code names a window (`nil`: the core's backoff and
        /// the reply's `Retry-After`, as the profile decides).
        case retry(after: Duration?)
        /// Retried at the next Beijing (UTC+8) time of day, in seconds after midnight (send windows and daily
        /// limits of Chinese vendors).
        case retryAtBeijingTime(secondOfDay: Int64)
    }

    /// What the code means.
    public let category: ReasonCategory
    /// Reject or retry.
    public let verdict: Verdict
    /// The table's description of the code, for the ``Reason``'s detail when the reply carries none.
    public let detail: String?

    public init(category: ReasonCategory, verdict: Verdict, detail: String? = nil) {
        self.category = category
        self.verdict = verdict
        self.detail = detail
    }

    /// A permanent failure.
    public static func reject(_ category: ReasonCategory, _ detail: String? = nil) -> VendorCodeRule {
        VendorCodeRule(category: category, verdict: .reject, detail: detail)
    }

    /// A transient failure, retried no sooner than `after` when given.
    public static func retry(_ category: ReasonCategory, after: Duration? = nil, _ detail: String? = nil)
        -> VendorCodeRule
    {
        VendorCodeRule(category: category, verdict: .retry(after: after), detail: detail)
    }

    /// A transient failure retried at the next Beijing time of day.
    public static func retryAtBeijingTime(_ category: ReasonCategory, secondOfDay: Int64, _ detail: String? = nil)
        -> VendorCodeRule
    {
        VendorCodeRule(category: category, verdict: .retryAtBeijingTime(secondOfDay: secondOfDay), detail: detail)
    }

    /// Whether the message is tried again.
    public var retries: Bool { verdict != .reject }

    /// The least wait before the retry, when the code names a fixed window.
    public var after: Duration? {
        if case .retry(let after) = verdict { return after }
        return nil
    }
}
