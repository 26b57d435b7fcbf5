public import ChannelKit

/// What ``ConfigLoader/load(path:)`` found: the configuration if valid, and every issue either way.
public struct ConfigLoadResult: Sendable {
    /// The configuration, or `nil` if any error (not warning) was found.
    public var configuration: GatewayConfiguration?
    /// Every error and warning, sorted by file, line and column.
    public var issues: [ConfigIssue]

    /// - Parameters:
    ///   - configuration: the loaded configuration, `nil` on error.
    ///   - issues: the problems found.
    public init(configuration: GatewayConfiguration?, issues: [ConfigIssue]) {
        self.configuration = configuration
        self.issues = issues
    }

    /// The errors only.
    public var errors: [ConfigIssue] { issues.filter { $0.severity == .error } }
}
