/// Conversion attribution (design §10), pure: which of a run's touches a conversion is credited to.
///
/// Touches are the run's send rows with outcome `sent`; only those within the goal window before the conversion
/// count. Both ends are kept (`conversions` stores first and last touch whatever the model), the strategy's model
/// picks the one whose step and channel type get the counters.
public enum Attribution {
    /// Finished runs are kept at least this long (ms): the longest goal window a definition may set (180 d), so
    /// attribution still finds the runs a late conversion belongs to.
    public static let longestGoalWindow: Int64 = 180 * 86_400_000

    /// One send of a run.
    public struct Touch: Sendable, Equatable {
        public var visit: Int
        public var step: String
        public var channelType: String?
        /// Epoch ms.
        public var at: Int64

        public init(visit: Int, step: String, channelType: String?, at: Int64) {
            self.visit = visit
            self.step = step
            self.channelType = channelType
            self.at = at
        }
    }

    /// What a conversion is credited to.
    public struct Credit: Sendable, Equatable {
        public var first: Touch?
        public var last: Touch?
        /// The touch the model credits; `nil` when no touch falls in the window (counted at `(entry)`).
        public var credited: Touch?
    }

    /// Credits a conversion at `at` over `touches`, counting those in `[at − within, at]`.
    public static func credit(touches: [Touch], at: Int64, within: Int64, firstTouch: Bool) -> Credit {
        let eligible = touches.filter { $0.at <= at && $0.at >= at - within }
        let ordered = eligible.sorted { ($0.at, $0.visit) < ($1.at, $1.visit) }
        let first = ordered.first
        let last = ordered.last
        return Credit(first: first, last: last, credited: firstTouch ? first : last)
    }
}
