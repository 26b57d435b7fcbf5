/// One configuration problem, located in its file.
public struct ConfigIssue: Error, Sendable, Hashable, CustomStringConvertible {
    /// Whether the problem stops the configuration from loading.
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }

    /// Where the problem is.
    public var mark: ConfigMark
    /// What is wrong and what was expected.
    public var message: String
    /// Error or warning.
    public var severity: Severity

    public init(_ mark: ConfigMark, _ message: String, severity: Severity = .error) {
        self.mark = mark
        self.message = message
        self.severity = severity
    }

    /// `file:line:column: error: message`.
    public var description: String { "\(mark): \(severity.rawValue): \(message)" }
}

/// Gathers every problem of a configuration load, so all of them are reported at once.
public final class ConfigIssueCollector: @unchecked Sendable {
    // Used by one loader at a time; @unchecked so factories can take it through a @Sendable closure.
    public private(set) var issues: [ConfigIssue] = []

    public init() {}

    /// Records an error.
    public func error(_ mark: ConfigMark, _ message: String) {
        issues.append(ConfigIssue(mark, message))
    }

    /// Records a warning.
    public func warning(_ mark: ConfigMark, _ message: String) {
        issues.append(ConfigIssue(mark, message, severity: .warning))
    }

    /// Whether any error (not warning) was recorded.
    public var hasErrors: Bool { issues.contains { $0.severity == .error } }

    /// The number of errors recorded so far, to tell whether a step added any.
    public var errorCount: Int { issues.count { $0.severity == .error } }
}
