public import GatewayJSON

/// `report` with `strategy`: the funnel per step and per channel type for treated runs and the holdout, run
/// totals, and the conversion uplift over the holdout (design §10). Read from counters, never from runs.
public struct StrategyReportAnswer: ControlAnswer, Hashable {
    /// Treated runs are sent to; holdout runs are only followed.
    public enum Group: String, Sendable, Hashable, CaseIterable {
        case treated, holdout
    }

    /// The funnel counts of one line.
    public struct Counters: Sendable, Hashable {
        public var entered = 0
        public var sent = 0
        /// Suppressed sends by reason (`opted_out`, `frequency_cap`, `no_address`, `missing_attribute`, …).
        public var suppressed: [String: Int] = [:]
        public var deferred = 0
        public var heldOut = 0
        public var delivered = 0
        public var opened = 0
        public var clicked = 0
        public var replied = 0
        public var timedOut = 0
        public var exited = 0
        public var finished = 0
        public var converted = 0
        /// Sum of the converted events' values.
        public var value = 0.0
        /// Custom events and counters this version does not name.
        public var other: [String: Int] = [:]

        public init() {}

        public var suppressedTotal: Int { suppressed.values.reduce(0, +) }

        /// Conversions over the runs that reached the line (`entered`), or for a line of touches without
        /// entries, over its sends; `nil` without either.
        public var conversionRate: Double? {
            let base = entered > 0 ? entered : sent
            return base > 0 ? Double(converted) / Double(base) : nil
        }

        public mutating func add(_ other: Counters) {
            entered += other.entered
            sent += other.sent
            suppressed.merge(other.suppressed, uniquingKeysWith: +)
            deferred += other.deferred
            heldOut += other.heldOut
            delivered += other.delivered
            opened += other.opened
            clicked += other.clicked
            replied += other.replied
            timedOut += other.timedOut
            exited += other.exited
            finished += other.finished
            converted += other.converted
            value += other.value
            self.other.merge(other.other, uniquingKeysWith: +)
        }
    }

    /// The counts of one (step, channel type, group).
    public struct Line: Sendable, Hashable {
        /// A step id, `(run)` for run-level counts, `(entry)` for conversions credited to no touch.
        public var step: String
        /// `nil` for counts that are not about a touch.
        public var channelType: String?
        public var group: Group
        public var counters: Counters

        public init(step: String, channelType: String?, group: Group, counters: Counters) {
            self.step = step
            self.channelType = channelType
            self.group = group
            self.counters = counters
        }
    }

    /// Runs of one group.
    public struct Totals: Sendable, Hashable {
        public var enrolled: Int
        public var active: Int
        public var finished: Int
        /// Runs converted (each once) and the sum of their values.
        public var converted: Int
        public var value: Double

        public init(enrolled: Int, active: Int, finished: Int, converted: Int, value: Double) {
            self.enrolled = enrolled
            self.active = active
            self.finished = finished
            self.converted = converted
            self.value = value
        }

        /// `converted / enrolled`; `nil` without runs.
        public var rate: Double? { enrolled > 0 ? Double(converted) / Double(enrolled) : nil }
    }

    public var strategy: String
    /// The version reported; `nil` is every version summed.
    public var version: Int?
    public var latest: Int
    public var treated: Totals
    public var holdout: Totals
    /// Funnel lines by step (in definition order where known), channel type, group.
    public var lines: [Line]

    public init(strategy: String, version: Int?, latest: Int, treated: Totals, holdout: Totals, lines: [Line]) {
        self.strategy = strategy
        self.version = version
        self.latest = latest
        self.treated = treated
        self.holdout = holdout
        self.lines = lines
    }

    /// Treated rate minus holdout rate; `nil` unless both groups have runs.
    public var upliftAbsolute: Double? {
        guard let treatedRate = treated.rate, let holdoutRate = holdout.rate else { return nil }
        return treatedRate - holdoutRate
    }

    /// The absolute uplift over the holdout rate; `nil` without holdout conversions.
    public var upliftRelative: Double? {
        guard let absolute = upliftAbsolute, let holdoutRate = holdout.rate, holdoutRate > 0 else { return nil }
        return absolute / holdoutRate
    }

    /// Per step (summed over channel types), per group, in line order.
    public var steps: [Line] { Self.sum(lines) { ($0.step, nil) } }

    /// Per channel type (summed over steps), per group, for lines about touches.
    public var channels: [Line] {
        Self.sum(lines.filter { $0.channelType != nil }) { ("", $0.channelType) }
    }

    private static func sum(_ lines: [Line], by key: (Line) -> (String, String?)) -> [Line] {
        var order: [Line] = []
        var index: [String: Int] = [:]
        for line in lines {
            let (step, type) = key(line)
            let name = "\(step)\u{0}\(type ?? "")\u{0}\(line.group.rawValue)"
            if let at = index[name] {
                order[at].counters.add(line.counters)
            } else {
                index[name] = order.count
                order.append(Line(step: step, channelType: type, group: line.group, counters: line.counters))
            }
        }
        return order
    }
}
