public import ChannelKit

/// Why ``StrategyLoader/parse(source:name:file:channels:settings:checkChannels:)`` refused a strategy: every
/// issue found (errors and warnings), each at `file:line:column`.
public struct StrategyLoadError: Error, Sendable, CustomStringConvertible {
    /// Every issue, in file order; at least one is an error.
    public var issues: [ConfigIssue]

    public init(issues: [ConfigIssue]) {
        self.issues = issues
    }

    /// The errors only.
    public var errors: [ConfigIssue] { issues.filter { $0.severity == .error } }

    /// One issue per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
