public import ChannelKit

/// The customer-protection policies of `gateway.yaml`: frequency caps, quiet hours and opt-out keywords.
///
/// Keys (all optional; unknown keys are errors):
/// - `timezone` (IANA name; default `Asia/Shanghai`): the zone quiet hours are read in.
/// - `frequency_caps` (mapping of category to a list of caps): `transactional` and `marketing` may be capped,
///   `critical` never is. Each cap is `{max: N, per: DURATION, per_channel: BOOL, name: TEXT}`: at most `max`
///   sends per customer (or address, without a customer) in any window of `per` (1m...366d), across every
///   channel, or per channel type with `per_channel: true`. `name` defaults to `CATEGORY-MAX-per-PER`.
/// - `quiet_hours` (list): each rule `{categories: [..], channels: [..], allowed: "HH:MM-HH:MM"}` keeps the
///   listed categories (`transactional`, `marketing`; default `[marketing]`) on the listed channel types
///   (default every type) to the `allowed` window in `timezone`; a window may cross midnight (`22:00-06:00`).
/// - `optout_keywords` (list; default `[T, TD, R, 退订, N]`): an SMS reply equal to one of these (ignoring case,
///   spaces and full-width forms) opts its number out of marketing SMS.
public struct PolicyConfiguration: Sendable, Hashable {
    /// The IANA time zone of quiet hours.
    public var timeZone = "Asia/Shanghai"
    /// Every frequency cap, in file order.
    public var caps: [FrequencyCap] = []
    /// Every quiet-hours rule, in file order.
    public var quietHours: [QuietHoursRule] = []
    /// SMS replies that mean "stop".
    public var optOutKeywords = ["T", "TD", "R", "退订", "N"]

    public init() {}
}

/// At most `max` sends of one category per customer in any window of `per`.
public struct FrequencyCap: Sendable, Hashable {
    /// The name answered with `frequency_cap`.
    public var name: String
    /// The category counted and limited.
    public var category: MessageCategory
    /// Sends allowed per window.
    public var max: Int
    /// The sliding window.
    public var per: Duration
    /// Whether each channel type has its own count.
    public var perChannel: Bool

    public init(name: String, category: MessageCategory, max: Int, per: Duration, perChannel: Bool) {
        self.name = name
        self.category = category
        self.max = max
        self.per = per
        self.perChannel = perChannel
    }
}

/// Categories on channel types may only be sent inside a daily window of local time.
public struct QuietHoursRule: Sendable, Hashable {
    /// The categories held back.
    public var categories: [MessageCategory]
    /// The channel types (`sms`, `call_queue`, …) it applies to; `nil` for every type.
    public var channelTypes: [String]?
    /// Start of the allowed window, minutes after local midnight.
    public var allowedFrom: Int
    /// End of the allowed window (exclusive), minutes after local midnight; below `allowedFrom` if it crosses
    /// midnight.
    public var allowedUntil: Int

    public init(categories: [MessageCategory], channelTypes: [String]?, allowedFrom: Int, allowedUntil: Int) {
        self.categories = categories
        self.channelTypes = channelTypes
        self.allowedFrom = allowedFrom
        self.allowedUntil = allowedUntil
    }

    /// Whether the rule covers a category on a channel type.
    public func applies(to category: MessageCategory, channelType: String) -> Bool {
        categories.contains(category) && (channelTypes?.contains(channelType) ?? true)
    }
}
