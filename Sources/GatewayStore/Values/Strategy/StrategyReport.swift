/// A strategy's funnel as `report` with `strategy` shows it: counters per step, channel type and group
/// (treated or holdout), run totals and the conversion uplift over the holdout.
///
/// Read from `step_counters` and `conversions` (and one indexed count of active runs), never by scanning runs,
/// so it stays cheap with millions of runs and survives run pruning and `forget`.
public struct StrategyReport: Sendable, Equatable {
    /// Whether runs were sent to (`treated`) or only followed (`holdout`); the raw value is stored in `grp`.
    public enum Group: String, Sendable, CaseIterable {
        case treated, holdout
    }

    /// The stored counter names (`step_counters.counter`). `suppressed` rows carry their reason after a colon
    /// (`suppressed:opted_out`); conversions add their value to the row's `value`.
    public enum Counter: String, Sendable, CaseIterable {
        case entered, sent, suppressed, deferred
        case heldOut = "held_out"
        case delivered, opened, clicked, replied
        case timedOut = "timed_out"
        case exited, converted
        /// Run-level (step ``StrategyReport/runStep``): a run finished, any outcome.
        case finished
    }

    /// The step name of run-level counters (`entered` at enrolment, `finished`).
    public static let runStep = "(run)"
    /// The step name of conversions credited to no touch (holdout runs, conversions before the first touch).
    public static let entryStep = "(entry)"

    /// The funnel counts of one (step, channel type, group).
    public struct Counters: Sendable, Equatable {
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
        public var conversionValue = 0.0
        /// Custom event names and any counter this version does not know, as stored.
        public var other: [String: Int] = [:]

        public init() {}

        /// Every suppressed send, whatever the reason.
        public var suppressedTotal: Int { suppressed.values.reduce(0, +) }

        /// Adds one stored counter row.
        public mutating func add(_ counter: String, n: Int, value: Double = 0) {
            if counter.hasPrefix("suppressed") {
                let reason = counter.split(separator: ":", maxSplits: 1).dropFirst().first.map(String.init)
                suppressed[reason ?? "unknown", default: 0] += n
                return
            }
            switch Counter(rawValue: counter) {
            case .entered: entered += n
            case .sent: sent += n
            case .suppressed: suppressed["unknown", default: 0] += n
            case .deferred: deferred += n
            case .heldOut: heldOut += n
            case .delivered: delivered += n
            case .opened: opened += n
            case .clicked: clicked += n
            case .replied: replied += n
            case .timedOut: timedOut += n
            case .exited: exited += n
            case .finished: finished += n
            case .converted:
                converted += n
                conversionValue += value
            case nil: other[counter, default: 0] += n
            }
        }

        /// Adds another row's counts (to sum over versions or channel types).
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
            conversionValue += other.conversionValue
            self.other.merge(other.other, uniquingKeysWith: +)
        }

        /// Conversions over runs that entered (0 without entries).
        public var conversionRate: Double { entered > 0 ? Double(converted) / Double(entered) : 0 }

        /// History outcomes that close one visit of a step (besides `sent`, `suppressed:…`, `held_out`,
        /// `timed_out` and `event:…`): what a step's entries are counted from when nothing counts `entered`.
        static let closingOutcomes: Set<String> = ["waited", "tagged", "branched", "handed_off", "completed"]

        /// Visits of a step, from the outcomes that close one: a `deferred` send comes back, engagement counters
        /// are about touches, so neither counts.
        public var visits: Int {
            var total = sent + suppressedTotal + heldOut + timedOut
            for (name, n) in other where name.hasPrefix("event:") || Self.closingOutcomes.contains(name) {
                total += n
            }
            return total
        }
    }

    /// One funnel line.
    public struct Line: Sendable, Equatable {
        /// The step id, or ``StrategyReport/runStep`` / ``StrategyReport/entryStep``.
        public var step: String
        /// The channel type of the touches counted, `nil` for counts that are not about a touch.
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
    public struct Totals: Sendable, Equatable {
        public var enrolled: Int
        public var active: Int
        public var finished: Int

        public init(enrolled: Int = 0, active: Int = 0, finished: Int = 0) {
            self.enrolled = enrolled
            self.active = active
            self.finished = finished
        }
    }

    /// Conversion rate of treated runs against holdout runs: the figure a marketing team is asked for.
    public struct Uplift: Sendable, Equatable {
        /// Runs enrolled per group (the denominators).
        public var treatedRuns: Int
        public var holdoutRuns: Int
        /// Runs converted per group (each run counts once).
        public var treatedConverted: Int
        public var holdoutConverted: Int

        public init(treatedRuns: Int, holdoutRuns: Int, treatedConverted: Int, holdoutConverted: Int) {
            self.treatedRuns = treatedRuns
            self.holdoutRuns = holdoutRuns
            self.treatedConverted = treatedConverted
            self.holdoutConverted = holdoutConverted
        }

        public var treatedRate: Double { treatedRuns > 0 ? Double(treatedConverted) / Double(treatedRuns) : 0 }
        public var holdoutRate: Double { holdoutRuns > 0 ? Double(holdoutConverted) / Double(holdoutRuns) : 0 }
        /// `treatedRate − holdoutRate`.
        public var absolute: Double { treatedRate - holdoutRate }
        /// `absolute / holdoutRate`; `nil` without holdout conversions.
        public var relative: Double? { holdoutRate > 0 ? absolute / holdoutRate : nil }
    }

    public var name: String
    /// The version reported, `nil` for all versions summed.
    public var version: Int?
    /// The latest registered version.
    public var latest: Int
    /// Funnel lines ordered by step (first seen in counters order), channel type, group.
    public var lines: [Line]
    public var treated: Totals
    public var holdout: Totals
    public var uplift: Uplift
    /// Sum of converted values per group.
    public var treatedValue: Double
    public var holdoutValue: Double

    public init(
        name: String, version: Int?, latest: Int, lines: [Line], treated: Totals, holdout: Totals, uplift: Uplift,
        treatedValue: Double = 0, holdoutValue: Double = 0
    ) {
        self.name = name
        self.version = version
        self.latest = latest
        self.lines = lines
        self.treated = treated
        self.holdout = holdout
        self.uplift = uplift
        self.treatedValue = treatedValue
        self.holdoutValue = holdoutValue
    }

    /// Both groups' runs together.
    public var totals: Totals {
        Totals(
            enrolled: treated.enrolled + holdout.enrolled, active: treated.active + holdout.active,
            finished: treated.finished + holdout.finished)
    }

    /// Lines of one step summed over channel types, per group (the per-step funnel).
    public func step(_ step: String, group: Group) -> Counters {
        var sum = Counters()
        for line in lines where line.step == step && line.group == group { sum.add(line.counters) }
        return sum
    }

    /// Lines of one channel type summed over steps, per group (the per-channel funnel).
    public func channelType(_ type: String, group: Group) -> Counters {
        var sum = Counters()
        for line in lines where line.channelType == type && line.group == group { sum.add(line.counters) }
        return sum
    }
}
