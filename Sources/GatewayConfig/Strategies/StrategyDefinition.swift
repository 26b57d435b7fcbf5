public import ChannelKit

/// One strategy as loaded from `strategies.d/NAME.yaml`: settings and the ordered steps.
///
/// The first step is where a run starts. Every step goes on to its `next` (default: the following step); after
/// the last step the run completes. Loaded and checked by ``StrategyLoader``; the engine interprets it.
public struct StrategyDefinition: Sendable {
    /// The file name without `.yaml`; unique, `[a-z0-9][a-z0-9_-]{0,62}`.
    public var name: String
    /// The category of the strategy's sends unless a step sets its own (default `marketing`).
    public var category: MessageCategory
    /// Who may enter and when again.
    public var entry: EntryRule
    /// Events that end a run at once (built-in or custom names), e.g. `converted`, `opted_out`.
    public var exitOn: [StrategyEvent]
    /// The conversion goal, if any.
    public var goal: GoalRule?
    /// Share of enrolled customers held out (followed but never sent to), 0...0.5.
    public var holdout: Double
    /// The steps, in file order; ids are unique.
    public var steps: [StrategyStep]
    /// Moves parked runs of older versions from a step id to a step id of this version.
    public var migrate: [String: String]
    /// SHA-256 of the file bytes, lowercase hex: a changed file becomes a new version.
    public var fingerprint: String
    /// The file's text, stored with each version so runs of old versions can be interpreted after a reload.
    public var source: String
    /// Where the file starts (for messages about the strategy as a whole).
    public var mark: ConfigMark

    public init(
        name: String, category: MessageCategory = .marketing, entry: EntryRule = .once, exitOn: [StrategyEvent] = [],
        goal: GoalRule? = nil, holdout: Double = 0, steps: [StrategyStep], migrate: [String: String] = [:],
        fingerprint: String = "", source: String = "", mark: ConfigMark = ConfigMark(file: "", line: 1, column: 1)
    ) {
        self.name = name
        self.category = category
        self.entry = entry
        self.exitOn = exitOn
        self.goal = goal
        self.holdout = holdout
        self.steps = steps
        self.migrate = migrate
        self.fingerprint = fingerprint
        self.source = source
        self.mark = mark
    }

    /// The index of the step with this id.
    public func index(of id: String) -> Int? { steps.firstIndex { $0.id == id } }
}
