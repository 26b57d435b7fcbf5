/// One row of a run's history (`run_steps`): a step it executed and what came of it. Send rows are the run's
/// touches; the store fills in message, instance, channel type and the engagement times.
public struct RunStepRecord: Sendable {
    /// What came of a step. Raw values are stored and shown; `suppressed` carries its reason after a colon.
    public struct Outcome: Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let sent = Outcome(rawValue: "sent")
        public static let deferred = Outcome(rawValue: "deferred")
        public static let heldOut = Outcome(rawValue: "held_out")
        public static let waited = Outcome(rawValue: "waited")
        public static let waiting = Outcome(rawValue: "waiting")
        public static let timedOut = Outcome(rawValue: "timed_out")
        public static let tagged = Outcome(rawValue: "tagged")
        public static let branched = Outcome(rawValue: "branched")
        public static let handedOff = Outcome(rawValue: "handed_off")
        public static let completed = Outcome(rawValue: "completed")
        public static let exited = Outcome(rawValue: "exited")
        public static func suppressed(_ reason: String) -> Outcome { Outcome(rawValue: "suppressed:" + reason) }
        public static func event(_ name: String) -> Outcome { Outcome(rawValue: "event:" + name) }
        /// Whether this is a `suppressed:…` outcome.
        public var isSuppressed: Bool { rawValue.hasPrefix("suppressed") }
    }

    /// Position in the run's history, from 1 (assigned by the store).
    public var visit: Int
    public var step: String
    /// The step kind as written in YAML (`send`, `wait`, `wait_for`, `branch`, `tag`, `handoff`, `stop`).
    public var kind: String
    public var outcome: Outcome
    /// Epoch ms.
    public var at: Int64
    public var messageID: String?
    public var instance: String?
    public var channelType: String?
    public var deliveredAt: Int64?
    public var openedAt: Int64?
    public var clickedAt: Int64?
    public var repliedAt: Int64?

    public init(
        visit: Int = 0, step: String, kind: String, outcome: Outcome, at: Int64, messageID: String? = nil,
        instance: String? = nil, channelType: String? = nil, deliveredAt: Int64? = nil, openedAt: Int64? = nil,
        clickedAt: Int64? = nil, repliedAt: Int64? = nil
    ) {
        self.visit = visit
        self.step = step
        self.kind = kind
        self.outcome = outcome
        self.at = at
        self.messageID = messageID
        self.instance = instance
        self.channelType = channelType
        self.deliveredAt = deliveredAt
        self.openedAt = openedAt
        self.clickedAt = clickedAt
        self.repliedAt = repliedAt
    }
}
