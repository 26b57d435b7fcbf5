/// The vendor's answer to "did you take this message?", asked after a send went out and no answer came back.
public enum SendCheck: Sendable, Hashable {
    /// The vendor has the message: it was accepted (with the vendor's id for it, if the answer gives one).
    case accepted(vendorMessageID: String?)
    /// The vendor has no record of it: the send never arrived, so sending it again cannot duplicate it.
    case notFound
    /// The answer does not tell (an error, a throttled query, too many sends to look through).
    case unknown(Reason)
}
