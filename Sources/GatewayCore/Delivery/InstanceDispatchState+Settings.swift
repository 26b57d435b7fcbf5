import ChannelKit
import GatewayConfig
import GatewayStore

extension InstanceDispatchState {
    /// An instance's settings as its configuration gives them, read once per (re)configuration so start-up and
    /// reload cannot disagree on what they take.
    struct Settings {
        var adapter: any ChannelAdapter
        /// The adapter's optional capabilities, looked up when the instance is configured (never per message).
        var capabilities: AdapterCapabilities
        var retryPolicy: RetryPolicy
        var timeout: Duration
        var concurrency: Int
        /// The backup instance for vendor-side failures, if any.
        var failover: String?
        /// The daily window transactional and marketing messages are sent in, if the instance has one.
        var sendWindow: QuietHours?
        /// Calls in progress at once, if limited, and how long a call without a result holds its slot.
        var maxConcurrentCalls: Int?
        var callSlotTimeout: Int64
        /// What a request that went out and got no answer leads to (`on_ambiguous`).
        var onAmbiguous: AmbiguousOutcomePolicy
        /// Whether the vendor is asked about a send that got no answer before it is resent (`poll_receipts` set:
        /// the vendor has a query API and the operator allows queries).
        var checksUnansweredSends: Bool

        init(_ configuration: ChannelInstanceConfiguration, timeZone: String) {
            adapter = configuration.adapter
            capabilities = configuration.capabilities
            retryPolicy = RetryPolicy(configuration.retry)
            timeout = configuration.timeout
            concurrency = configuration.concurrency
            failover = configuration.failover
            sendWindow = Self.window(configuration, timeZone: timeZone)
            maxConcurrentCalls = configuration.maxConcurrentCalls
            callSlotTimeout = configuration.callSlotTimeout.milliseconds
            onAmbiguous = configuration.onAmbiguous
            checksUnansweredSends = configuration.pollReceipts != nil
        }

        /// The instance's `send_window` as a quiet-hours rule over transactional and marketing messages.
        static func window(_ configuration: ChannelInstanceConfiguration, timeZone: String) -> QuietHours? {
            guard let window = configuration.sendWindow else { return nil }
            let rule = QuietHoursRule(
                categories: [.transactional, .marketing], channelTypes: nil, allowedFrom: window.from,
                allowedUntil: window.until)
            return QuietHours(rules: [rule], timeZone: timeZone)
        }
    }
}
