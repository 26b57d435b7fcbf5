/// A delivery or engagement report about one message, parsed from a vendor callback.
public struct Receipt: Sendable, Hashable {
    /// What happened.
    public enum Event: Sendable, Hashable {
        case delivered
        case failed(Reason)
        case opened
        case clicked
        case answered
        case unanswered
        /// A call the customer refused or answered with "do not call": opts the number out of marketing calls.
        case refused
        /// A call that found the line busy.
        case busy
        /// A call to a number that does not exist (空号).
        case invalidNumber
    }

    /// The vendor's id for the message, as returned when it was accepted.
    public var vendorMessageID: String?
    /// The gateway's own message id, when the vendor echoes it (`OutId`, `SessionContext`, …).
    public var messageID: String?
    /// The recipient the receipt is about, if the vendor names it.
    public var recipient: String?
    /// The event.
    public var event: Event
    /// When it happened by the vendor's clock, in milliseconds since the Unix epoch, if given.
    public var occurredAtMilliseconds: Int64?
    /// The vendor's raw status text, kept for audits.
    public var vendorStatus: String?

    public init(
        vendorMessageID: String?,
        messageID: String? = nil,
        recipient: String? = nil,
        event: Event,
        occurredAtMilliseconds: Int64? = nil,
        vendorStatus: String? = nil
    ) {
        self.vendorMessageID = vendorMessageID
        self.messageID = messageID
        self.recipient = recipient
        self.event = event
        self.occurredAtMilliseconds = occurredAtMilliseconds
        self.vendorStatus = vendorStatus
    }
}
