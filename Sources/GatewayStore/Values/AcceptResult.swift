/// What the store did with one accepted message.
public enum AcceptResult: Sendable {
    /// Why a committed message will never be sent; its raw value is the stored and wire name.
    public enum SuppressionReason: String, Sendable, Hashable {
        /// The subject opted out of marketing on this channel (or on every channel).
        case optedOut = "opted_out"
        /// A frequency cap is full and the send asked to be suppressed, not deferred.
        case frequencyCap = "frequency_cap"
    }

    /// Committed for sending now; the message id.
    case queued(String)
    /// Committed, to be sent at `until` (quiet hours, a deferred cap, `not_before`).
    case deferred(String, until: Int64)
    /// Committed but never to be sent; `cap` names the cap for `frequencyCap`.
    case suppressed(String, reason: SuppressionReason, cap: String?)
    /// Seen within the dedup window; the original message id.
    case duplicate(String)
    /// Not committed.
    case failed(StoreError)
}
