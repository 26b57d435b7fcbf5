/// One customer to enrol in a strategy, as `enrol`, `enrol_batch` and `handoff` ask.
public struct Enrolment: Sendable {
    /// The strategy name; the run takes its latest registered version.
    public var strategy: String
    /// The customer id (as the bank names it; the store keys it).
    public var customer: String
    /// The client's idempotency key: a repeat within `enrol_key_window` answers `duplicate` with the first run.
    public var enrolKey: String?
    /// When the run's first step fires (epoch ms); now if not later.
    public var startAt: Int64
    /// Who asked (`uid=…,pid=…`, or `handoff:<run_id>`).
    public var client: String

    public init(strategy: String, customer: String, enrolKey: String?, startAt: Int64, client: String) {
        self.strategy = strategy
        self.customer = customer
        self.enrolKey = enrolKey
        self.startAt = startAt
        self.client = client
    }
}
