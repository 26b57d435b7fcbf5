/// A run as stored: what the engine interprets and what `runs` shows.
public struct RunSnapshot: Sendable {
    public var runID: Int64
    public var strategy: String
    public var version: Int
    public var state: RunState
    /// The step it will execute (ready), is parked on (waiting) or ended at (finished).
    public var step: String
    public var rev: Int64
    /// History rows so far (the next gets `visits + 1`).
    public var visits: Int
    public var holdout: Bool
    public var waitingFor: WaitingFor?
    public var outcome: RunOutcome?
    public var startedAt: Int64
    public var updatedAt: Int64
    public var finishedAt: Int64?
    /// The run's timer, if it has one.
    public var timer: DueTimer?
    /// The customer (filled for the engine and `runs`; `nil` once forgotten).
    public var customer: CustomerFacts?
    /// The history, oldest first (filled for the engine's branch conditions and for `runs`).
    public var history: [RunStepRecord]

    public init(
        runID: Int64, strategy: String, version: Int, state: RunState, step: String, rev: Int64, visits: Int,
        holdout: Bool, waitingFor: WaitingFor? = nil, outcome: RunOutcome? = nil, startedAt: Int64, updatedAt: Int64,
        finishedAt: Int64? = nil, timer: DueTimer? = nil, customer: CustomerFacts? = nil,
        history: [RunStepRecord] = []
    ) {
        self.runID = runID
        self.strategy = strategy
        self.version = version
        self.state = state
        self.step = step
        self.rev = rev
        self.visits = visits
        self.holdout = holdout
        self.waitingFor = waitingFor
        self.outcome = outcome
        self.startedAt = startedAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
        self.timer = timer
        self.customer = customer
        self.history = history
    }
}
