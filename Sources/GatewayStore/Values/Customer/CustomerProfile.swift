/// A customer as `customer_show` reads it: directory entry, consent, scores, runs and recent touches. Addresses
/// are in clear here; the answer masks them.
public struct CustomerProfile: Sendable {
    public var facts: CustomerFacts
    /// Channel types (or `*`) the customer opted out of marketing on.
    public var optOuts: [String]
    public var createdAt: Int64
    public var updatedAt: Int64
    /// Runs not finished.
    public var activeRuns: [RunSnapshot]
    /// The last touches (send rows of any run), newest first, at most 10.
    public var recentTouches: [RunStepRecord]

    public init(
        facts: CustomerFacts, optOuts: [String] = [], createdAt: Int64, updatedAt: Int64,
        activeRuns: [RunSnapshot] = [],
        recentTouches: [RunStepRecord] = []
    ) {
        self.facts = facts
        self.optOuts = optOuts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.activeRuns = activeRuns
        self.recentTouches = recentTouches
    }
}
