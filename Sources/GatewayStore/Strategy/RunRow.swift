/// A run's row as a writer reads it before settling it (either store's).
package struct RunRow {
    package var runID: Int64
    package var strategy: String
    package var version: Int
    /// The customer key: the subject of consent and caps.
    package var ck: String
    /// The customer's number: what the customer-keyed tables are keyed by.
    package var cn: Int64
    package var customerSealed: String?
    package var state: RunState
    package var step: String
    package var rev: Int64
    package var visit: Int
    package var holdout: Bool

    package init(
        runID: Int64, strategy: String, version: Int, ck: String, cn: Int64, customerSealed: String?,
        state: RunState, step: String, rev: Int64, visit: Int, holdout: Bool
    ) {
        self.runID = runID
        self.strategy = strategy
        self.version = version
        self.ck = ck
        self.cn = cn
        self.customerSealed = customerSealed
        self.state = state
        self.step = step
        self.rev = rev
        self.visit = visit
        self.holdout = holdout
    }
}
