import ChannelKit
import GatewayConfig
import GatewayStore

/// The strategy definitions the engine interprets: the loaded ones by name with their registered version, and
/// older versions (runs stay on the version they started on) compiled on demand from their stored source,
/// a few kept (least recently used first out). Owned by the engine thread.
struct StrategyCatalog {
    /// Old versions kept compiled.
    static let cacheSize = 32

    private struct Key: Hashable {
        var name: String
        var version: Int
    }

    /// Loaded definitions and their registered versions.
    private var current: [String: (version: Int, definition: StrategyDefinition)] = [:]
    private var cache: [Key: StrategyDefinition] = [:]
    /// Cache keys, least recently used first.
    private var recency: [Key] = []
    /// Versions whose source is missing or no longer parses: asked once, not on every fire.
    private var unreadable: Set<Key> = []
    /// Compiles a stored version's text: (name, source) → definition.
    private let compile: @Sendable (String, String) -> StrategyDefinition?

    init(compile: @escaping @Sendable (String, String) -> StrategyDefinition?) {
        self.compile = compile
    }

    /// Swaps in what a start or reload registered: each loaded definition with its version.
    mutating func replace(_ definitions: [StrategyDefinition], versions: [String: Int]) {
        current.removeAll()
        for definition in definitions {
            guard let version = versions[definition.name] else { continue }
            current[definition.name] = (version, definition)
        }
        unreadable.removeAll()
    }

    /// Strategies loaded now.
    var loadedCount: Int { current.count }

    /// The definition of a version: the loaded one, a cached one, or compiled from `source` (read only if needed).
    mutating func definition(
        _ name: String, version: Int, source: () throws(StoreError) -> String?
    ) -> StrategyDefinition? {
        if let loaded = current[name], loaded.version == version { return loaded.definition }
        let key = Key(name: name, version: version)
        if let cached = cache[key] {
            if let position = recency.firstIndex(of: key) { recency.remove(at: position) }
            recency.append(key)
            return cached
        }
        guard !unreadable.contains(key) else { return nil }
        guard let text = try? source(), let compiled = compile(name, text) else {
            unreadable.insert(key)
            return nil
        }
        cache[key] = compiled
        recency.append(key)
        if recency.count > Self.cacheSize { cache[recency.removeFirst()] = nil }
        return compiled
    }

    /// What the store must know of a definition to act without the engine.
    static func rules(of definition: StrategyDefinition) -> StrategyRules {
        let reenterAfter: Int64? =
            switch definition.entry {
            case .once: nil
            case .reenterAfter(let duration): duration.milliseconds
            }
        return StrategyRules(
            name: definition.name, fingerprint: definition.fingerprint, source: definition.source,
            reenterAfter: reenterAfter, exitOn: definition.exitOn.map(\.description),
            goalEvent: definition.goal.map { $0.event.description },
            goalWithin: definition.goal?.within.milliseconds ?? 0,
            firstTouch: definition.goal?.attribution == .firstTouch, holdout: definition.holdout,
            firstStep: definition.steps.first?.id ?? "", initialWait: initialWait(of: definition))
    }

    /// A first step that waits a duration and has a step after it (the interpreter's `following`): enrolment
    /// parks the run there itself. Waits until a local time depend on the customer's zone and stay the engine's.
    static func initialWait(of definition: StrategyDefinition) -> StrategyRules.InitialWait? {
        guard let first = definition.steps.first, case .wait(.duration(let duration)) = first.kind else { return nil }
        guard let resume = first.next ?? (definition.steps.count > 1 ? definition.steps[1].id : nil) else {
            return nil
        }
        return StrategyRules.InitialWait(resume: resume, milliseconds: duration.milliseconds)
    }
}
