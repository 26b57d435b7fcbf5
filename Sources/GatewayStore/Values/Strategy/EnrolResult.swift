/// What the store did with one enrolment.
public enum EnrolResult: Sendable {
    /// Why an enrolment was refused; the raw value is the wire name.
    public enum Refusal: String, Sendable {
        /// The customer has an active run of this strategy.
        case active
        /// `entry: once` and the customer entered before.
        case once
        /// `entry: {reenter_after}` and the last entry is too recent.
        case reenterAfter = "reenter_after"
        /// The strategy's file was removed.
        case retired
        /// No strategy of this name was ever loaded.
        case unknownStrategy = "unknown_strategy"
        /// No customer with this id in the directory.
        case unknownCustomer = "unknown_customer"
    }

    /// A new run, parked until its start time; `holdout` runs are followed but never sent to.
    case enrolled(runID: Int64, version: Int, holdout: Bool)
    /// The enrol key was seen: the run it made then.
    case duplicate(runID: Int64)
    case refused(Refusal)
    case failed(StoreError)
}
