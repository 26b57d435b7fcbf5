/// A `wait_for` step: parks the run until `event` happens on the touch of `step` (or any touch), at most `within`.
public struct WaitForStep: Sendable {
    /// Which touch the event must be about.
    public enum Reference: Sendable, Equatable {
        /// The touch of this earlier `send` step.
        case step(String)
        /// Any touch of the run.
        case any
    }

    public var event: StrategyEvent
    public var reference: Reference
    public var within: Duration
    public var onEvent: String
    public var onTimeout: String

    public init(event: StrategyEvent, reference: Reference, within: Duration, onEvent: String, onTimeout: String) {
        self.event = event
        self.reference = reference
        self.within = within
        self.onEvent = onEvent
        self.onTimeout = onTimeout
    }
}
