/// The side effects of the steps an advance executed, written in the advance's transaction if its
/// compare-and-set wins, and not at all if it loses.
public struct RunEffects: Sendable {
    /// History rows, in order (the store numbers them).
    public var records: [RunStepRecord]
    public var tagsAdded: [String]
    public var tagsRemoved: [String]
    /// Strategies to enrol the customer in (under their entry rules; a refusal is a history row).
    public var handoffs: [String]

    public init(
        records: [RunStepRecord] = [], tagsAdded: [String] = [], tagsRemoved: [String] = [], handoffs: [String] = []
    ) {
        self.records = records
        self.tagsAdded = tagsAdded
        self.tagsRemoved = tagsRemoved
        self.handoffs = handoffs
    }
}

/// Effects and the transition that follow one admission outcome of a send.
public struct RunContinuation: Sendable {
    public var effects: RunEffects
    public var transition: RunTransition

    public init(effects: RunEffects = RunEffects(), transition: RunTransition) {
        self.effects = effects
        self.transition = transition
    }
}
