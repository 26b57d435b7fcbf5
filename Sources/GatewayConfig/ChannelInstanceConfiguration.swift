public import ChannelKit

/// One channel instance: a `channels.d/NAME.yaml` file, with its adapter built.
///
/// Keys (unknown keys are errors):
/// - `type` (string, required): one of the registered ``ChannelKind`` names.
/// - `vendor` (string): required iff the kind lists vendors, and then one of them; must be absent otherwise.
/// - `rate_limit` (mapping): see ``RateLimitConfiguration``.
/// - `retry` (mapping): see ``RetryConfiguration``.
/// - `timeout` (duration, 100ms...5m; default 10s): the limit on one vendor request.
/// - `concurrency` (integer, 1...1024; default 32): vendor requests in flight at once.
/// - `failover` (instance name): a backup instance of the same type; a message that fails here for a vendor-side
///   reason (throttled beyond its retries, `vendor_unavailable`, `auth_expired`, `quota_exceeded`) is moved to
///   it once, with a fresh retry budget. Recipient-side reasons (`invalid_recipient`, `content_rejected`) never
///   fail over.
/// - `send_window` (`HH:MM-HH:MM`, in gateway.yaml's `timezone`): transactional and marketing messages are only
///   sent inside this daily window (a call centre's calling hours); outside it they wait for it to open.
///   Critical messages are not held.
/// - `max_concurrent_calls` (integer, 1...10000): for vendors that place a call and report its result later
///   (`call_queue`), at most this many calls are in progress at once: a call holds its slot from the request
///   until its result arrives at the callback listener (answered, unanswered, refused, failed) or
///   `call_slot_timeout` passes.
/// - `call_slot_timeout` (duration, 10s...2h; default 5m): how long a call without a result holds its slot.
/// - `poll_receipts` (mapping): for vendors that offer pull receipts (Alibaba SMS `QuerySendDetails`), ask
///   for the outcome of sent messages that got no push: `after` (duration; default 2m) after the send, again
///   every `interval` (default 10m), for at most `give_up_after` (default 72h), at most `per_second` queries
///   (default 5; the poller's own budget, apart from sends).
/// - `on_ambiguous` (`retry` or `fail`; default `retry`): what to do when a request went out and no answer came
///   back, so the vendor may have accepted it; see ``AmbiguousOutcomePolicy``. With `poll_receipts` the vendor is
///   asked first, and the policy applies only when it cannot say. A 2xx whose body cannot be read is never
///   ambiguous: it is recorded as sent and never resent.
/// - `settings` (mapping): passed to the kind's factory, with `credential:`/`env:`/`file:` secrets resolved.
public struct ChannelInstanceConfiguration: Sendable {
    /// The instance name: the file name without `.yaml`, matching `[a-z0-9][a-z0-9_-]{0,63}`.
    public var name: String
    /// The `type:` value.
    public var kind: String
    /// The `vendor:` value, if the kind has vendors.
    public var vendor: String?
    /// The send rate limit.
    public var rateLimit: RateLimitConfiguration
    /// The retry policy.
    public var retry: RetryConfiguration
    /// The limit on one vendor request.
    public var timeout: Duration
    /// Vendor requests in flight at once.
    public var concurrency: Int
    /// The adapter the kind's factory built from `settings:`.
    public var adapter: any ChannelAdapter {
        didSet { capabilities = AdapterCapabilities(adapter) }
    }
    /// The adapter's optional capabilities, looked up once here so the core never casts per message.
    public private(set) var capabilities: AdapterCapabilities
    /// The path of the instance's YAML file.
    public var file: String
    /// The backup instance, if any.
    public var failover: String?
    /// The daily window non-critical messages are sent in, as minutes after local midnight, if any.
    public var sendWindow: (from: Int, until: Int)?
    /// Pull-receipt polling, if configured.
    public var pollReceipts: PollConfiguration?
    /// Calls in progress at once, if limited.
    public var maxConcurrentCalls: Int?
    /// How long a call without a result holds its slot.
    public var callSlotTimeout: Duration = .seconds(300)
    /// What to do when a request went out and got no answer.
    public var onAmbiguous: AmbiguousOutcomePolicy = .retry
    /// Where `failover` is written, for errors found once every instance is loaded.
    var failoverMark: ConfigMark?

    /// - Parameters:
    ///   - name: the instance name.
    ///   - kind: the `type:` value.
    ///   - vendor: the `vendor:` value.
    ///   - rateLimit: the rate limit, default 100/s.
    ///   - retry: the retry policy, default 5 attempts.
    ///   - timeout: the request timeout, default 10s.
    ///   - concurrency: requests in flight, default 32.
    ///   - adapter: the built adapter.
    ///   - file: the YAML file's path.
    public init(
        name: String,
        kind: String,
        vendor: String? = nil,
        rateLimit: RateLimitConfiguration = RateLimitConfiguration(),
        retry: RetryConfiguration = RetryConfiguration(),
        timeout: Duration = .seconds(10),
        concurrency: Int = 32,
        adapter: any ChannelAdapter,
        file: String
    ) {
        self.name = name
        self.kind = kind
        self.vendor = vendor
        self.rateLimit = rateLimit
        self.retry = retry
        self.timeout = timeout
        self.concurrency = concurrency
        self.adapter = adapter
        self.capabilities = AdapterCapabilities(adapter)
        self.file = file
    }
}
