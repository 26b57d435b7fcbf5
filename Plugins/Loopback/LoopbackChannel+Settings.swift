import ChannelKit

extension LoopbackChannel {
    /// The keys `settings:` may hold.
    static let settingsKeys = ["latency", "failure_rate", "failure_reason", "failure_retryable"]

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        let settings: ConfigMap?
        if let node = setup.settings {
            settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues)
        } else {
            settings = nil
        }
        let latency = settings?.duration("latency", in: .zero ... .seconds(3600))
        let failureRate = settings?.double("failure_rate", in: 0...1)
        let failureCategory = settings?.choice("failure_reason", ReasonCategory.all.map(\.name))
            .flatMap(ReasonCategory.init(name:))
        let failureRetryable = settings?.bool("failure_retryable")
        guard issues.errorCount == errorsBefore else { return nil }
        self.init(
            instance: setup.instance,
            latency: latency ?? .zero,
            failureRate: failureRate ?? 0,
            failureCategory: failureCategory ?? .vendorUnavailable,
            failureRetryable: failureRetryable ?? true
        )
    }
}
