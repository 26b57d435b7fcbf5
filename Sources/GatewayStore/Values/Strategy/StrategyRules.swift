/// What the store must know of a strategy version to act without the engine: entry, exits, goal, holdout.
/// Registered at start and reload (``StrategyStore/register(_:completion:)``) from the loaded definitions.
public struct StrategyRules: Sendable, Equatable {
    public var name: String
    /// SHA-256 of the file: a changed fingerprint becomes the next version.
    public var fingerprint: String
    /// The file's text, kept per version so old versions can be interpreted after a reload.
    public var source: String
    /// `entry: once` (nil) or `reenter_after` in ms.
    public var reenterAfter: Int64?
    /// `exit_on` event names (`converted`, `opted_out`, custom names).
    public var exitOn: [String]
    /// The goal event name, if any.
    public var goalEvent: String?
    /// The goal window in ms.
    public var goalWithin: Int64
    /// `true` for `first_touch` attribution, else last touch.
    public var firstTouch: Bool
    /// Share held out, 0...0.5.
    public var holdout: Double
    /// The id of the first step: where a new run starts.
    public var firstStep: String
    /// When the first step is a `wait` of a duration with a step after it: enrolment parks the run on that wait
    /// itself (as the interpreter would) instead of writing a start timer the engine fires at once.
    public var initialWait: InitialWait?

    /// A first `wait` step as enrolment applies it.
    public struct InitialWait: Sendable, Equatable {
        /// The step the run resumes at (what the interpreter stores for a wait).
        public var resume: String
        /// The wait's duration in ms.
        public var milliseconds: Int64

        public init(resume: String, milliseconds: Int64) {
            self.resume = resume
            self.milliseconds = milliseconds
        }
    }

    public init(
        name: String, fingerprint: String, source: String, reenterAfter: Int64? = nil, exitOn: [String] = [],
        goalEvent: String? = nil, goalWithin: Int64 = 0, firstTouch: Bool = false, holdout: Double = 0,
        firstStep: String = "", initialWait: InitialWait? = nil
    ) {
        self.name = name
        self.fingerprint = fingerprint
        self.source = source
        self.reenterAfter = reenterAfter
        self.exitOn = exitOn
        self.goalEvent = goalEvent
        self.goalWithin = goalWithin
        self.firstTouch = firstTouch
        self.holdout = holdout
        self.firstStep = firstStep
        self.initialWait = initialWait
    }
}
