/// The closed, bounded set of reasons a send can fail or be retried for.
///
/// This is the only value allowed in metric labels: vendor codes and details go in ``Reason`` beside it.
/// New categories are added as new static members, so existing code keeps compiling.
public struct ReasonCategory: Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, CaseIterable {
        case throttled
        case authExpired = "auth_expired"
        case invalidRecipient = "invalid_recipient"
        case contentRejected = "content_rejected"
        case quotaExceeded = "quota_exceeded"
        case vendorUnavailable = "vendor_unavailable"
        case unknown
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The vendor asked us to slow down (HTTP 429, a rate-limit code).
    public static let throttled = ReasonCategory(.throttled)
    /// Credentials or an access token were refused or expired.
    public static let authExpired = ReasonCategory(.authExpired)
    /// The address is malformed, unknown, unsubscribed or blocked.
    public static let invalidRecipient = ReasonCategory(.invalidRecipient)
    /// The vendor refused the content, template or sign name.
    public static let contentRejected = ReasonCategory(.contentRejected)
    /// The account's balance or daily quota is used up.
    public static let quotaExceeded = ReasonCategory(.quotaExceeded)
    /// The vendor could not be reached or answered with a server error or timeout.
    public static let vendorUnavailable = ReasonCategory(.vendorUnavailable)
    /// Anything the adapter could not classify.
    public static let unknown = ReasonCategory(.unknown)

    /// Every category, in a stable order.
    public static let all: [ReasonCategory] = Code.allCases.map(ReasonCategory.init)

    /// The snake_case name used in configuration, the socket protocol and metric labels.
    public var name: String { code.rawValue }

    public var description: String { code.rawValue }

    /// Parses a snake_case name, as written in configuration.
    public init?(name: String) {
        guard let code = Code(rawValue: name) else { return nil }
        self.code = code
    }
}
