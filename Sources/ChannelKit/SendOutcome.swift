/// What an adapter concluded from a vendor's reply to one send request.
public enum SendOutcome: Sendable, Hashable {
    /// The vendor took the message; its own id for it, if it returned one.
    case accepted(vendorMessageID: String?)
    /// A temporary failure: the core retries with backoff, waiting at least `after` if the vendor said so.
    case retry(Reason, after: Duration? = nil)
    /// A permanent failure: retrying the same request cannot succeed.
    case reject(Reason)
    /// One request carried several recipients; one outcome each.
    case partial([RecipientOutcome])
}

/// The outcome for one recipient of a request that carried several.
public struct RecipientOutcome: Sendable, Hashable {
    /// The recipient's address as it appeared in the message.
    public var recipient: String
    /// That recipient's outcome (never itself `.partial`).
    public var outcome: SendOutcome

    public init(recipient: String, outcome: SendOutcome) {
        self.recipient = recipient
        self.outcome = outcome
    }
}
