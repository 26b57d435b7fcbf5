public import ChannelKit

/// A queued message as the dispatcher loads it from the store.
public struct StoredMessage: Sendable {
    /// The store's sequence number: commit order, the dispatcher's cursor.
    public var sequence: Int64
    /// The message itself.
    public var message: OutboundMessage
    /// Give up after this time (epoch ms), if set.
    public var notAfter: Int64?
    /// Attempts made so far.
    public var attempts: Int
    /// Do not try again before this time (epoch ms); 0 for at once.
    public var nextAttemptAt: Int64
}

/// A message to make durable, as the control socket hands it to the store.
public struct AcceptRequest: Sendable {
    /// The message, with its freshly generated id.
    public var message: OutboundMessage
    /// The deduplication key (explicit `k:…` or content hash `h:…`).
    public var dedupKey: String
    /// The client's own dedup key, if given, kept for queries.
    public var clientDedupKey: String?
    /// Give up after this time (epoch ms), if set.
    public var notAfter: Int64?

    public init(message: OutboundMessage, dedupKey: String, clientDedupKey: String?, notAfter: Int64?) {
        self.message = message
        self.dedupKey = dedupKey
        self.clientDedupKey = clientDedupKey
        self.notAfter = notAfter
    }
}

/// What the store did with one accepted message.
public enum AcceptResult: Sendable {
    /// Committed; the message id.
    case queued(String)
    /// Seen within the dedup window; the original message id.
    case duplicate(String)
    /// Not committed.
    case failed(StoreError)
}
