public import GatewayJSON

/// `runs`: a customer's runs, newest first. Times are RFC 3339 texts, written by the daemon.
public struct RunsAnswer: ControlAnswer, Hashable {
    /// The run's pending timer: when it fires and why (`start`, `wake`, `timeout`, `deferred`).
    public struct Timer: Sendable, Hashable {
        public var at: String
        public var kind: String

        public init(at: String, kind: String) {
            self.at = at
            self.kind = kind
        }
    }

    /// One history row: a step the run executed and what came of it.
    public struct Step: Sendable, Hashable {
        public var visit: Int
        public var step: String
        /// The step kind as written in YAML (`send`, `wait`, `wait_for`, …).
        public var kind: String
        /// `sent`, `suppressed:<reason>`, `held_out`, `deferred`, `timed_out`, `event:<name>`, …
        public var outcome: String
        public var at: String
        public var channelType: String?
        public var messageID: String?

        public init(
            visit: Int, step: String, kind: String, outcome: String, at: String, channelType: String? = nil,
            messageID: String? = nil
        ) {
            self.visit = visit
            self.step = step
            self.kind = kind
            self.outcome = outcome
            self.at = at
            self.channelType = channelType
            self.messageID = messageID
        }
    }

    public struct Run: Sendable, Hashable {
        public var runID: Int64
        public var strategy: String
        public var version: Int
        /// `ready`, `waiting` or `finished`.
        public var state: String
        /// Where it stands (ready, waiting) or ended (finished).
        public var step: String
        public var holdout: Bool
        public var nextTimer: Timer?
        public var startedAt: String
        /// How it finished, once finished.
        public var outcome: String?
        public var history: [Step]

        public init(
            runID: Int64, strategy: String, version: Int, state: String, step: String, holdout: Bool,
            nextTimer: Timer?, startedAt: String, outcome: String?, history: [Step]
        ) {
            self.runID = runID
            self.strategy = strategy
            self.version = version
            self.state = state
            self.step = step
            self.holdout = holdout
            self.nextTimer = nextTimer
            self.startedAt = startedAt
            self.outcome = outcome
            self.history = history
        }
    }

    public var runs: [Run]

    public init(runs: [Run]) { self.runs = runs }

    public func appendFields(to line: inout String) {
        line += ",\"runs\":["
        for (offset, run) in runs.enumerated() {
            if offset > 0 { line += "," }
            line += "{\"run_id\":\(run.runID),\"strategy\":"
            JSONValue.appendQuoted(run.strategy, to: &line)
            line += ",\"version\":\(run.version),\"state\":"
            JSONValue.appendQuoted(run.state, to: &line)
            line += ",\"step\":"
            JSONValue.appendQuoted(run.step, to: &line)
            line += ",\"holdout\":\(run.holdout),\"next_timer\":"
            if let timer = run.nextTimer {
                line += "{\"at\":"
                JSONValue.appendQuoted(timer.at, to: &line)
                line += ",\"kind\":"
                JSONValue.appendQuoted(timer.kind, to: &line)
                line += "}"
            } else {
                line += "null"
            }
            line += ",\"started_at\":"
            JSONValue.appendQuoted(run.startedAt, to: &line)
            line += ",\"outcome\":"
            Self.appendOptional(run.outcome, to: &line)
            line += ",\"history\":["
            for (index, step) in run.history.enumerated() {
                if index > 0 { line += "," }
                line += "{\"visit\":\(step.visit),\"step\":"
                JSONValue.appendQuoted(step.step, to: &line)
                line += ",\"kind\":"
                JSONValue.appendQuoted(step.kind, to: &line)
                line += ",\"outcome\":"
                JSONValue.appendQuoted(step.outcome, to: &line)
                line += ",\"at\":"
                JSONValue.appendQuoted(step.at, to: &line)
                line += ",\"channel_type\":"
                Self.appendOptional(step.channelType, to: &line)
                line += ",\"message_id\":"
                Self.appendOptional(step.messageID, to: &line)
                line += "}"
            }
            line += "]}"
        }
        line += "]"
    }

    private static func appendOptional(_ text: String?, to line: inout String) {
        if let text { JSONValue.appendQuoted(text, to: &line) } else { line += "null" }
    }

    public init?(json: JSONValue) {
        guard case .array(let items)? = json["runs"] else { return nil }
        var runs: [Run] = []
        for item in items {
            guard let runID = item["run_id"]?.scalarText.flatMap({ Int64($0) }),
                let strategy = item["strategy"]?.stringValue, let version = item["version"]?.intValue,
                let state = item["state"]?.stringValue, let step = item["step"]?.stringValue,
                case .bool(let holdout)? = item["holdout"], let startedAt = item["started_at"]?.stringValue
            else { return nil }
            var timer: Timer?
            if let at = item["next_timer"]?["at"]?.stringValue, let kind = item["next_timer"]?["kind"]?.stringValue {
                timer = Timer(at: at, kind: kind)
            }
            var history: [Step] = []
            if case .array(let rows)? = item["history"] {
                for row in rows {
                    guard let visit = row["visit"]?.intValue, let name = row["step"]?.stringValue,
                        let kind = row["kind"]?.stringValue, let outcome = row["outcome"]?.stringValue,
                        let at = row["at"]?.stringValue
                    else { return nil }
                    history.append(
                        Step(
                            visit: visit, step: name, kind: kind, outcome: outcome, at: at,
                            channelType: row["channel_type"]?.stringValue, messageID: row["message_id"]?.stringValue))
                }
            }
            runs.append(
                Run(
                    runID: runID, strategy: strategy, version: version, state: state, step: step, holdout: holdout,
                    nextTimer: timer, startedAt: startedAt, outcome: item["outcome"]?.stringValue, history: history))
        }
        self.init(runs: runs)
    }
}
