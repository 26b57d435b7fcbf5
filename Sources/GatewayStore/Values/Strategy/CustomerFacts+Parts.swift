extension CustomerFacts {
    /// The optional parts of a customer's facts a run load reads. Every load reads the directory row (id, zone,
    /// attributes) and the addresses; tags and channel scores cost a query each per run, so a strategy version
    /// that never tests a tag or sends on `auto` goes without them (their sets stay empty).
    public struct Parts: OptionSet, Sendable, Hashable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// For `branch` conditions on tags.
        public static let tags = Parts(rawValue: 1 << 0)
        /// For `channel: auto`.
        public static let scores = Parts(rawValue: 1 << 1)
        public static let all: Parts = [.tags, .scores]
    }
}
