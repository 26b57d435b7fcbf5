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
    /// Whether it was already resent once with a fresh token after the vendor refused one (dispatcher only).
    public var tokenRetried = false
    /// When its last send started, if that send went out with no answer and the vendor is to be asked whether it
    /// took it before any resend (dispatcher only; a restart forgets it and resends as after a crash).
    public var unansweredSendAt: Int64?
    /// The instance it failed over from, if it did (a message fails over once).
    public var failedOverFrom: String?
    /// The strategy run that sent it, if one did: the dispatcher checks it against runs exited since the commit.
    public var runID: Int64?

    /// A message as a backend's reader loads it (the dispatcher-only fields start cleared).
    public init(
        sequence: Int64, message: OutboundMessage, notAfter: Int64?, attempts: Int, nextAttemptAt: Int64,
        failedOverFrom: String? = nil, runID: Int64? = nil
    ) {
        self.sequence = sequence
        self.message = message
        self.notAfter = notAfter
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.failedOverFrom = failedOverFrom
        self.runID = runID
    }

    /// The priority lane it waits in, from its category.
    public var lane: PriorityLane { PriorityLane(message.category) }
}
