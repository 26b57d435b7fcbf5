public import ChannelKit

/// Instance settings for tests, built the way the core hands them to a kind: located nodes whose
/// `credential:NAME` values arrive already resolved to secrets. Golden cases keep their settings in JSON; this
/// turns that JSON into a ``ConfigNode`` (keys sorted, one synthetic line per node, so marks are predictable).
/// ``ChannelConformance`` goes through the real YAML loader instead.
public enum TestSettings {
    /// Resolves the `NAME` of a `credential:NAME` value to its secret.
    public typealias Credentials = @Sendable (String) -> Secret

    /// The secret a `credential:NAME` string resolves to unless a test says otherwise.
    public static func secretValue(_ name: String) -> String { "test-secret-\(name)" }

    /// ``secretValue(_:)`` as a resolver.
    public static let testSecrets: Credentials = { Secret(secretValue($0)) }

    /// Converts JSON to a config node. A `credential:NAME` string carries `credentials(NAME)`, and a `secret:VALUE`
    /// string carries VALUE (for vendors' worked examples, whose secrets are published).
    public static func node(
        _ json: JSONValue, file: String = "settings.json", credentials: Credentials = testSecrets
    ) -> ConfigNode {
        var line = 0
        return node(json, file: file, credentials: credentials, line: &line)
    }

    /// Parses JSON text into a config node.
    public static func node(
        json text: String, file: String = "settings.json", credentials: Credentials = testSecrets
    ) throws -> ConfigNode {
        node(try JSONParser.parse(text), file: file, credentials: credentials)
    }

    private static func node(
        _ json: JSONValue, file: String, credentials: Credentials, line: inout Int
    ) -> ConfigNode {
        line += 1
        let mark = ConfigMark(file: file, line: line, column: 1)
        switch json {
        case .null: return .scalar(ConfigScalar(text: "null", mark: mark))
        case .bool(let value): return .scalar(ConfigScalar(text: value ? "true" : "false", mark: mark))
        case .number(let text): return .scalar(ConfigScalar(text: text, mark: mark))
        case .string(let text):
            var secret: Secret?
            if text.hasPrefix("credential:") { secret = credentials(String(text.dropFirst(11))) }
            if text.hasPrefix("secret:") { secret = Secret(String(text.dropFirst(7))) }
            return .scalar(ConfigScalar(text: text, mark: mark, isQuoted: true, secret: secret))
        case .array(let items):
            return .sequence(items.map { node($0, file: file, credentials: credentials, line: &line) }, mark)
        case .object(let members):
            var entries: [ConfigEntry] = []
            for key in members.keys.sorted() {
                line += 1
                let keyScalar = ConfigScalar(text: key, mark: ConfigMark(file: file, line: line, column: 1))
                let value = node(members[key]!, file: file, credentials: credentials, line: &line)
                entries.append(ConfigEntry(key: keyScalar, value: value))
            }
            return .mapping(entries, mark)
        }
    }

    /// A plain scalar at a given line.
    public static func scalar(_ text: String, line: Int, column: Int = 1, secret: Secret? = nil) -> ConfigScalar {
        ConfigScalar(text: text, mark: ConfigMark(file: "sms.yaml", line: line, column: column), secret: secret)
    }

    /// Builds an instance through its kind, returning the adapter (or `nil`) and every issue reported.
    public static func make(
        _ kind: ChannelKind, vendor: String? = nil, settings: ConfigNode?, instance: String = "test"
    ) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue]) {
        let issues = ConfigIssueCollector()
        let setup = ChannelKind.Setup(
            instance: instance, vendor: vendor, settings: settings,
            mark: ConfigMark(file: "\(instance).yaml", line: 1, column: 1))
        let adapter = kind.make(setup, issues)
        return (adapter, issues.issues)
    }

    /// Builds from JSON settings.
    public static func make(
        _ kind: ChannelKind, vendor: String? = nil, json: JSONValue, instance: String = "test",
        credentials: Credentials = testSecrets
    ) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue]) {
        make(kind, vendor: vendor, settings: node(json, credentials: credentials), instance: instance)
    }

    /// The issues reported for JSON settings text.
    public static func issues(_ kind: ChannelKind, vendor: String? = nil, json: String) throws -> [ConfigIssue] {
        make(kind, vendor: vendor, json: try JSONParser.parse(json)).issues
    }
}
