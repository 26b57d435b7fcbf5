public import ChannelKit

/// A channel that sends nothing: the core's transport echoes each request back after a configured latency.
///
/// Used by tests, benchmarks and demos to exercise queues, retries and failover without a vendor. Failures are
/// injected deterministically from the attempt's nonce, so a run with the same nonces fails the same attempts.
///
/// Settings (all optional):
/// - `latency` (duration, default `0ms`): how long the transport waits before echoing.
/// - `failure_rate` (number in 0...1, default `0`): the share of attempts that fail.
/// - `failure_reason` (reason category name, default `vendor_unavailable`): the category of injected failures.
/// - `failure_retryable` (bool, default `true`): whether injected failures are retried or rejected.
public struct LoopbackChannel: ChannelAdapter {
    /// The `loopback` kind: no vendor profiles.
    public static let kind = ChannelKind(name: "loopback") { setup, issues in
        LoopbackChannel(setup: setup, issues: issues)
    }

    /// The instance name, carried in the request URL.
    public let instance: String
    /// How long the transport waits before echoing.
    public let latency: Duration
    /// The share of attempts that fail, in 0...1.
    public let failureRate: Double
    /// The category of injected failures.
    public let failureCategory: ReasonCategory
    /// Whether injected failures are retried (`true`) or rejected.
    public let failureRetryable: Bool

    /// - Parameters:
    ///   - instance: the instance name.
    ///   - latency: the echo delay.
    ///   - failureRate: the share of attempts that fail, clamped to 0...1.
    ///   - failureCategory: the category of injected failures.
    ///   - failureRetryable: whether injected failures are retried.
    public init(
        instance: String,
        latency: Duration = .zero,
        failureRate: Double = 0,
        failureCategory: ReasonCategory = .vendorUnavailable,
        failureRetryable: Bool = true
    ) {
        self.instance = instance
        self.latency = latency
        self.failureRate = min(max(failureRate, 0), 1)
        self.failureCategory = failureCategory
        self.failureRetryable = failureRetryable
    }

    public func check(_ message: OutboundMessage) -> MessageProblem? {
        message.recipient.isEmpty ? .invalidRecipient("the recipient is empty") : nil
    }

    public func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        if let problem = check(message) { throw problem }
        let body = JSONValue.object([
            "message_id": .string(message.id),
            "to": .string(message.recipient),
            "fail": .bool(fails(nonce: context.nonce)),
        ])
        return VendorRequest(
            method: "POST",
            url: "loopback:\(Self.percentEncoded(instance))?latency_ms=\(latency.milliseconds)",
            headers: [HTTPHeader("Content-Type", "application/json")],
            body: Array(body.serialized.utf8)
        )
    }

    /// Whether the attempt with this nonce fails.
    ///
    /// The nonce is mixed first (SplitMix64's finalizer) so that a core handing out sequential nonces still
    /// sees failures spread at `failureRate`, not clustered.
    func fails(nonce: UInt64) -> Bool {
        var mixed = nonce &+ 0x9E37_79B9_7F4A_7C15
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        return Double(mixed % 1_000_000) / 1_000_000 < failureRate
    }

    /// Keeps RFC 3986 unreserved bytes; instance names are file names, but a URL must stay a URL.
    static func percentEncoded(_ text: String) -> String {

        PercentEncoding.encode(text)

    }
}
