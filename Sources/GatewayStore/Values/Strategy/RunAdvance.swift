/// One run moved on by the engine: the revision it read (the compare-and-set operand), the effects of the
/// steps executed before any send, and then either a transition or a send.
public struct RunAdvance: Sendable {
    public enum Next: Sendable {
        case transition(RunTransition)
        case send(SendPlan)
    }

    public var runID: Int64
    /// The run's `rev` as the engine read it; the advance is discarded if it changed.
    public var expectedRev: Int64
    /// The timer this advance consumes (its due time, for lateness), if it was fired by one.
    public var firedDueAt: Int64?
    /// Epoch ms.
    public var at: Int64
    public var effects: RunEffects
    public var next: Next

    public init(runID: Int64, expectedRev: Int64, firedDueAt: Int64?, at: Int64, effects: RunEffects, next: Next) {
        self.runID = runID
        self.expectedRev = expectedRev
        self.firedDueAt = firedDueAt
        self.at = at
        self.effects = effects
        self.next = next
    }
}
