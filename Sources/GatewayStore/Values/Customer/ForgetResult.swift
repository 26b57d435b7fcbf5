/// What `forget` erased, committed in one transaction.
public struct ForgetResult: Sendable, Equatable {
    /// Whether messages sent to the customer's addresses without a customer id remain to be swept.
    public enum Sweep: String, Sendable {
        /// A sweep job is recorded (the customer had addresses).
        case pending
        /// Nothing left to look for.
        case done
    }

    /// The pseudonym (`f:` + keyed hash) that replaces the customer in what is kept: consent log, conversions.
    public var customerHash: String
    /// Whether the directory knew the customer.
    public var known: Bool
    public var runs: Int
    public var messages: Int
    public var addresses: Int
    public var tags: Int
    public var scores: Int
    public var sweep: Sweep
    /// How far the sweep has come (0…1; 1 once done), when asked for (`CustomerForget.progressOnly`).
    public var progress: Double?

    public init(
        customerHash: String, known: Bool, runs: Int = 0, messages: Int = 0, addresses: Int = 0, tags: Int = 0,
        scores: Int = 0, sweep: Sweep = .done
    ) {
        self.customerHash = customerHash
        self.known = known
        self.runs = runs
        self.messages = messages
        self.addresses = addresses
        self.tags = tags
        self.scores = scores
        self.sweep = sweep
    }
}
