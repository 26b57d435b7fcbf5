public import ChannelKit

/// One step of a strategy: an id, what it does, and where the run goes next.
public struct StrategyStep: Sendable {
    /// What a step does.
    public enum Kind: Sendable {
        /// Send through an instance, the first admitted of a list, or the learned channel (`auto`).
        case send(SendStep)
        /// Wait a fixed time, or until a local time of day in the customer's zone.
        case wait(WaitStep)
        /// Wait for an event on an earlier send step (or any), at most `within`.
        case waitFor(WaitForStep)
        /// Go to the first step whose condition holds, else the default.
        case branch(BranchStep)
        /// Add and remove customer tags.
        case tag(TagStep)
        /// Enrol the customer in another strategy (under its entry rules) and go on.
        case handoff(strategy: String)
        /// End the run (completed).
        case stop
    }

    /// Unique within the strategy, `[a-z0-9][a-z0-9_-]{0,62}`.
    public var id: String
    public var kind: Kind
    /// The step that follows; `nil` means the next in file order (or the end after the last).
    public var next: String?
    /// Where the id was written.
    public var mark: ConfigMark

    public init(
        id: String, kind: Kind, next: String? = nil, mark: ConfigMark = ConfigMark(file: "", line: 1, column: 1)
    ) {
        self.id = id
        self.kind = kind
        self.next = next
        self.mark = mark
    }
}
