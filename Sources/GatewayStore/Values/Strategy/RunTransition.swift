/// Where an advance leaves a run; the store writes the run row and its one timer row from it.
public enum RunTransition: Sendable {
    /// Due to execute `step` at `at` (timer kind `wake`; `at` may be now): a second send in a row, or a handoff.
    case ready(step: String, at: Int64)
    /// A `wait`: parked until `until`, then continues at `resume` (timer kind `wake`).
    case wait(resume: String, until: Int64)
    /// A `wait_for` step `step`: parked until the event or `timeoutAt` (timer kind `timeout`).
    case waitFor(step: String, WaitingFor, timeoutAt: Int64)
    /// Done.
    case finished(RunOutcome)
}

/// What a parked `wait_for` listens for, as the store matches events against it without the definition.
public struct WaitingFor: Sendable, Equatable {
    /// The event's wire name (`opened`, `clicked`, a custom name, …).
    public var event: String
    /// The send step whose touch the event must be about; `nil` = any touch of the run.
    public var step: String?
    /// Where the run goes when the event comes.
    public var onEvent: String

    public init(event: String, step: String?, onEvent: String) {
        self.event = event
        self.step = step
        self.onEvent = onEvent
    }
}
