/// A `branch` step: the first case whose condition holds picks the next step, else `default`.
public struct BranchStep: Sendable {
    public var cases: [(condition: BranchCondition, then: String)]
    public var defaultStep: String

    public init(cases: [(condition: BranchCondition, then: String)], defaultStep: String) {
        self.cases = cases
        self.defaultStep = defaultStep
    }
}
