/// Typed, located reading of one YAML mapping, reporting every problem to a ``ConfigIssueCollector``.
///
/// Readers return `nil` for an absent key and for a bad value (after recording the issue), so a loader reads
/// every key, collects every error and decides at the end. Unknown keys are errors.
///
/// Scalar resolution: booleans are only `true`/`false`; integers are decimal; durations are strings like
/// `150ms`, `2s`, `5m`, `48h`, `7d` or compounds (`1h30m`); a plain `~`, `null` or empty value means absent.
public struct ConfigMap: Sendable {
    /// The section name used in messages (`rate_limit`, `settings`, …).
    public let context: String
    /// Where the mapping starts.
    public let mark: ConfigMark
    private let entries: [String: ConfigEntry]
    private let issues: ConfigIssueCollector

    /// Reads `node` as a mapping that may contain only `keys`.
    /// - Parameters:
    ///   - node: the node to read.
    ///   - context: the section name for messages.
    ///   - keys: the allowed keys; any other key is an error.
    ///   - issues: where problems go.
    /// - Returns: `nil` (after recording an error) if the node is not a mapping.
    public init?(_ node: ConfigNode, context: String, keys: [String], issues: ConfigIssueCollector) {
        guard case .mapping(let list, let mark) = node else {
            if case .scalar(let scalar) = node, scalar.isNull {
                self.init(empty: scalar.mark, context: context, issues: issues)
                return
            }
            issues.error(node.mark, "expected a mapping for '\(context)', found \(node.kindName)")
            return nil
        }
        var entries: [String: ConfigEntry] = [:]
        for entry in list {
            let key = entry.key.text
            if entries[key] != nil {
                issues.error(entry.key.mark, "duplicate key '\(key)' in '\(context)'")
            } else if !keys.contains(key) {
                issues.error(
                    entry.key.mark,
                    "unknown key '\(key)' in '\(context)'; expected one of: \(keys.joined(separator: ", "))"
                )
            } else {
                entries[key] = entry
            }
        }
        self.init(context: context, mark: mark, entries: entries, issues: issues)
    }

    private init(empty mark: ConfigMark, context: String, issues: ConfigIssueCollector) {
        self.init(context: context, mark: mark, entries: [:], issues: issues)
    }

    private init(context: String, mark: ConfigMark, entries: [String: ConfigEntry], issues: ConfigIssueCollector) {
        self.context = context
        self.mark = mark
        self.entries = entries
        self.issues = issues
    }

    /// Whether the key is present with a non-null value.
    public func contains(_ key: String) -> Bool { node(key) != nil }

    /// The raw node of a key, or `nil` if absent or null.
    public func node(_ key: String) -> ConfigNode? {
        guard let value = entries[key]?.value else { return nil }
        if case .scalar(let scalar) = value, scalar.isNull { return nil }
        return value
    }

    /// Where a key's value sits, or the mapping itself when the key is absent.
    public func mark(of key: String) -> ConfigMark { entries[key]?.value.mark ?? mark }

    /// Records an error at a key's value (or at the mapping when the key is absent).
    public func error(_ key: String, _ message: String) {
        issues.error(mark(of: key), message)
    }

    /// The scalar of a key, reporting a missing required key or a non-scalar value.
    public func scalar(_ key: String, required: Bool = false) -> ConfigScalar? {
        guard let value = node(key) else {
            if required { issues.error(mark, "missing required key '\(key)' in '\(context)'") }
            return nil
        }
        guard case .scalar(let scalar) = value else {
            issues.error(value.mark, "expected a single value for '\(key)', found \(value.kindName)")
            return nil
        }
        return scalar
    }

    /// A text value.
    public func string(_ key: String, required: Bool = false) -> String? {
        scalar(key, required: required)?.text
    }

    /// A text value that must be one of `choices`.
    public func choice(_ key: String, _ choices: [String], required: Bool = false) -> String? {
        guard let scalar = scalar(key, required: required) else { return nil }
        guard choices.contains(scalar.text) else {
            issues.error(
                scalar.mark,
                "invalid value '\(scalar.text)' for '\(key)'; expected one of: \(choices.joined(separator: ", "))"
            )
            return nil
        }
        return scalar.text
    }

    /// A decimal integer, optionally within a range.
    public func int(_ key: String, in range: ClosedRange<Int>? = nil, required: Bool = false) -> Int? {
        guard let scalar = scalar(key, required: required) else { return nil }
        guard let value = Int(scalar.text) else {
            issues.error(scalar.mark, "expected an integer for '\(key)', found '\(scalar.text)'")
            return nil
        }
        if let range, !range.contains(value) {
            issues.error(
                scalar.mark,
                "'\(key)' must be between \(range.lowerBound) and \(range.upperBound), found \(value)"
            )
            return nil
        }
        return value
    }

    /// A decimal number, optionally within a range.
    public func double(_ key: String, in range: ClosedRange<Double>? = nil, required: Bool = false) -> Double? {
        guard let scalar = scalar(key, required: required) else { return nil }
        guard let value = Double(scalar.text), value.isFinite else {
            issues.error(scalar.mark, "expected a number for '\(key)', found '\(scalar.text)'")
            return nil
        }
        if let range, !range.contains(value) {
            issues.error(
                scalar.mark,
                "'\(key)' must be between \(range.lowerBound) and \(range.upperBound), found \(scalar.text)"
            )
            return nil
        }
        return value
    }

    /// `true` or `false` (YAML 1.1's `yes`/`on` are refused, to avoid surprises).
    public func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let scalar = scalar(key, required: required) else { return nil }
        switch scalar.text {
        case "true": return true
        case "false": return false
        default:
            issues.error(scalar.mark, "expected true or false for '\(key)', found '\(scalar.text)'")
            return nil
        }
    }

    /// A duration such as `2s`, `150ms`, `5m`, `48h`, `7d`, within `range` if given.
    public func duration(
        _ key: String,
        in range: ClosedRange<Duration>? = nil,
        required: Bool = false
    ) -> Duration? {
        guard let scalar = scalar(key, required: required) else { return nil }
        guard let value = ConfigDuration.parse(scalar.text) else {
            issues.error(
                scalar.mark,
                "expected a duration for '\(key)' such as 500ms, 2s, 5m, 48h or 7d, found '\(scalar.text)'"
            )
            return nil
        }
        if let range, !range.contains(value) {
            issues.error(
                scalar.mark,
                "'\(key)' must be between \(ConfigDuration.format(range.lowerBound)) and "
                    + "\(ConfigDuration.format(range.upperBound)), found \(scalar.text)"
            )
            return nil
        }
        return value
    }

    /// A secret. A `credential:`/`env:`/`file:` reference was resolved by the core; an inline value is
    /// accepted with a warning, since it leaves the secret in the config file.
    public func secret(_ key: String, required: Bool = false) -> Secret? {
        guard let scalar = scalar(key, required: required) else { return nil }
        if let secret = scalar.secret { return secret }
        issues.warning(
            scalar.mark,
            "'\(key)' holds a secret written inline; use credential:NAME, env:NAME or file:PATH"
        )
        return Secret(scalar.text)
    }

    /// A nested mapping that may contain only `keys`.
    public func map(_ key: String, keys: [String], required: Bool = false) -> ConfigMap? {
        guard let value = node(key) else {
            if required { issues.error(mark, "missing required key '\(key)' in '\(context)'") }
            return nil
        }
        return ConfigMap(value, context: key, keys: keys, issues: issues)
    }

    /// A list of scalars.
    public func scalarList(_ key: String, required: Bool = false) -> [ConfigScalar]? {
        guard let value = node(key) else {
            if required { issues.error(mark, "missing required key '\(key)' in '\(context)'") }
            return nil
        }
        guard case .sequence(let items, _) = value else {
            issues.error(value.mark, "expected a list for '\(key)', found \(value.kindName)")
            return nil
        }
        var scalars: [ConfigScalar] = []
        for item in items {
            guard case .scalar(let scalar) = item else {
                issues.error(item.mark, "expected single values in the list '\(key)', found \(item.kindName)")
                return nil
            }
            scalars.append(scalar)
        }
        return scalars
    }

    /// A list of text values.
    public func stringList(_ key: String, required: Bool = false) -> [String]? {
        scalarList(key, required: required)?.map(\.text)
    }

    /// A list of integers, each within `range` if given.
    public func intList(_ key: String, in range: ClosedRange<Int>? = nil, required: Bool = false) -> [Int]? {
        guard let scalars = scalarList(key, required: required) else { return nil }
        var values: [Int] = []
        for scalar in scalars {
            guard let value = Int(scalar.text), range?.contains(value) ?? true else {
                issues.error(scalar.mark, "expected an integer in '\(key)', found '\(scalar.text)'")
                return nil
            }
            values.append(value)
        }
        return values
    }

    /// A mapping with free keys and scalar values (e.g. HTTP headers), in file order.
    public func scalarMap(_ key: String, required: Bool = false) -> [(key: String, value: ConfigScalar)]? {
        guard let value = node(key) else {
            if required { issues.error(mark, "missing required key '\(key)' in '\(context)'") }
            return nil
        }
        guard case .mapping(let list, _) = value else {
            issues.error(value.mark, "expected a mapping for '\(key)', found \(value.kindName)")
            return nil
        }
        var pairs: [(key: String, value: ConfigScalar)] = []
        for entry in list {
            guard case .scalar(let scalar) = entry.value else {
                issues.error(entry.value.mark, "expected a single value for '\(key).\(entry.key.text)'")
                continue
            }
            pairs.append((entry.key.text, scalar))
        }
        return pairs
    }
}
