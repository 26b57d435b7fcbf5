/// A condition of a `branch` case.
public enum BranchCondition: Sendable, Equatable {
    /// The customer has this tag.
    case tag(String)
    /// The customer's attribute has this value (compared as text).
    case attribute(name: String, equals: String)
    /// An earlier step of this run had this outcome (`sent`, `suppressed`, `delivered`, `opened`, `clicked`,
    /// `replied`, `timed_out`, `event`).
    case stepOutcome(step: String, outcome: String)
}
