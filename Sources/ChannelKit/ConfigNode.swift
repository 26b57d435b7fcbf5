/// A parsed YAML value with the position of every node, so each error can name file, line and column.
///
/// Scalars are kept as text: plain `yes`, `on` or `1` are not turned into booleans or numbers by the parser.
/// The typed readers in ``ConfigMap`` decide, and accept only `true`/`false` for booleans.
public indirect enum ConfigNode: Sendable, Hashable {
    case scalar(ConfigScalar)
    case sequence([ConfigNode], ConfigMark)
    case mapping([ConfigEntry], ConfigMark)

    /// Where the node starts.
    public var mark: ConfigMark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .sequence(_, let mark), .mapping(_, let mark): mark
        }
    }

    /// What kind of node this is, for error messages.
    public var kindName: String {
        switch self {
        case .scalar: "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }
}

/// A scalar value and how it was written.
public struct ConfigScalar: Sendable, Hashable {
    /// The text, after YAML unescaping. For a secret reference, the reference itself (`env:NAME`).
    public var text: String
    /// Where it starts.
    public var mark: ConfigMark
    /// Whether it was quoted (`"on"` is text, plain `~` or empty is null).
    public var isQuoted: Bool
    /// The resolved value when the text is a `credential:`, `env:` or `file:` reference.
    public var secret: Secret?

    public init(text: String, mark: ConfigMark, isQuoted: Bool = false, secret: Secret? = nil) {
        self.text = text
        self.mark = mark
        self.isQuoted = isQuoted
        self.secret = secret
    }

    /// A plain `~`, `null` or empty scalar.
    public var isNull: Bool { !isQuoted && (text.isEmpty || text == "~" || text == "null") }
}

/// One `key: value` pair of a mapping.
public struct ConfigEntry: Sendable, Hashable {
    public var key: ConfigScalar
    public var value: ConfigNode

    public init(key: ConfigScalar, value: ConfigNode) {
        self.key = key
        self.value = value
    }
}
