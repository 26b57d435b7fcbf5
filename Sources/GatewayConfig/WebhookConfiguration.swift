public import ChannelKit

/// The webhook outbox: every state change is kept in the store with the change itself and POSTed in batches to
/// the bank's CRM, signed, retried with backoff until it answers 2xx, so a restart loses none.
public struct WebhookConfiguration: Sendable, Hashable {
    /// Where batches go.
    public var url: String
    /// The HMAC-SHA256 key of the `X-Gateway-Signature` header.
    public var secret: Secret
    /// Changes per POST.
    public var batchSize: Int
    /// The longest wait between failed POSTs.
    public var maxBackoff: Duration
    /// The limit on one POST.
    public var timeout: Duration

    public init(url: String, secret: Secret, batchSize: Int, maxBackoff: Duration, timeout: Duration) {
        self.url = url
        self.secret = secret
        self.batchSize = batchSize
        self.maxBackoff = maxBackoff
        self.timeout = timeout
    }
}
