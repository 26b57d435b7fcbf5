public import ChannelKit

/// Reads strategy files (`strategies.d/NAME.yaml`) into checked ``StrategyDefinition``s.
///
/// A file is one strategy named after it. Keys: `category`, `entry`, `exit_on`, `goal`, `holdout`, `steps`
/// (required), `migrate`; each step has an `id`, exactly one kind key (`send`, `wait`, `wait_for`, `branch`,
/// `tag`, `handoff`, `stop`) and optionally `next`, and a `send` step `category`, `on_cap` and `on_suppressed`.
/// Unknown keys are errors that list the valid ones; every problem is reported at `file:line:column`, and one
/// load reports all of them. ``StrategyValidator`` checks the parts that need the whole strategy (references,
/// reachability, cycles, channels).
public enum StrategyLoader {
    /// The top-level keys of a strategy file.
    static let strategyKeys = ["category", "entry", "exit_on", "goal", "holdout", "steps", "migrate"]
    /// The kinds of step, one key each.
    static let stepKinds = ["send", "wait", "wait_for", "branch", "tag", "handoff", "stop"]
    /// The keys of a step.
    static let stepKeys = ["id", "next", "category", "on_cap", "on_suppressed"] + stepKinds
    /// The keys of a `send` mapping.
    static let sendKeys = [
        "channel", "template", "params", "content", "title", "url", "track_links", "category", "on_cap",
    ]
    /// The most steps a strategy may have.
    public static let maximumSteps = 64
    /// The longest `wait` or `wait_for.within`.
    public static let maximumWait = Duration.seconds(400 * 86_400)
    /// The longest goal window.
    public static let maximumGoalWindow = Duration.seconds(180 * 86_400)
    /// The step outcomes a branch may test.
    public static let outcomes = [
        "sent", "suppressed", "delivered", "opened", "clicked", "replied", "timed_out", "event",
    ]

    /// Parses and checks one strategy from its text; the engine recompiles stored versions this way.
    /// - Parameters:
    ///   - source: the file's text.
    ///   - name: the strategy name (the file name without `.yaml`).
    ///   - file: the path used in every mark.
    ///   - channels: configured instance name → channel type.
    ///   - settings: `strategies:` of gateway.yaml (`auto` needs `affinity.instances`).
    ///   - checkChannels: `false` for a stored version, whose instances may have been removed since; a
    ///     `handoff` target is not checked here either (only a directory load knows every strategy).
    /// - Returns: the definition, fingerprinted from the UTF-8 bytes of `source`.
    /// - Throws: every issue when any is an error (warnings alone do not throw).
    public static func parse(
        source: String, name: String, file: String, channels: [String: String], settings: StrategySettings,
        checkChannels: Bool = true
    ) throws(StrategyLoadError) -> StrategyDefinition {
        let (definition, issues) = check(
            source: source, name: name, file: file, channels: channels, settings: settings,
            checkChannels: checkChannels)
        guard let definition else { throw StrategyLoadError(issues: issues) }
        return definition
    }

    /// Like ``parse(source:name:file:channels:settings:checkChannels:)``, but returns the warnings too.
    /// - Returns: the definition (`nil` on any error) and every issue in file order.
    public static func check(
        source: String, name: String, file: String, channels: [String: String], settings: StrategySettings,
        checkChannels: Bool = true
    ) -> (definition: StrategyDefinition?, issues: [ConfigIssue]) {
        let issues = ConfigIssueCollector()
        let context = StrategyValidator.Context(
            channels: channels, settings: settings, checkChannels: checkChannels, strategyNames: nil)
        let definition = load(Array(source.utf8), name: name, file: file, context: context, issues: issues)
        let sorted = issues.issues.enumerated().sorted { left, right in
            let (a, b) = (left.element.mark, right.element.mark)
            if a.line != b.line { return a.line < b.line }
            if a.column != b.column { return a.column < b.column }
            return left.offset < right.offset
        }.map(\.element)
        return (issues.hasErrors ? nil : definition, sorted)
    }

    /// Parses, builds and checks one file's bytes; `nil` when it has errors (all recorded in `issues`).
    static func load(
        _ bytes: [UInt8], name: String, file: String, context: StrategyValidator.Context, issues: ConfigIssueCollector
    ) -> StrategyDefinition? {
        let before = issues.errorCount
        let fileMark = ConfigMark(file: file, line: 1, column: 1)
        if !isValidID(name) {
            issues.error(
                fileMark,
                "the strategy name '\(name)' (the file name without .yaml) must match [a-z0-9][a-z0-9_-]{0,62}")
        }
        if let problem = invalidUTF8(bytes, file: file) {
            issues.error(problem.mark, problem.message)
            return nil
        }
        let root: ConfigNode
        do {
            root = try YAMLParser.parse(bytes, file: file)
        } catch {
            issues.error(error.mark, error.message)
            return nil
        }
        guard let map = ConfigMap(root, context: name, keys: strategyKeys, issues: issues) else { return nil }
        var reader = StrategyReader(issues: issues, marks: StrategyMarks(stepsList: map.mark))
        var definition = reader.definition(map, name: name)
        definition.fingerprint = StrategyFingerprint.of(bytes)
        definition.source = String(decoding: bytes, as: UTF8.self)
        definition.mark = fileMark
        let complete = issues.errorCount == before
        StrategyValidator(definition: definition, marks: reader.marks, context: context, issues: issues)
            .check(complete: complete)
        return issues.errorCount == before ? definition : nil
    }

    /// Whether `id` matches `[a-z0-9][a-z0-9_-]{0,62}` (step ids and strategy names).
    public static func isValidID(_ id: some StringProtocol) -> Bool {
        let bytes = Array(id.utf8)
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        func isLowerAlnum(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        return isLowerAlnum(first) && bytes.dropFirst().allSatisfy { isLowerAlnum($0) || $0 == 0x5F || $0 == 0x2D }
    }
}
