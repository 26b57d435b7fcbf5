/// A customer's reply to one of the gateway's senders (an SMS MO), parsed from a vendor callback.
///
/// The core reads replies for opt-out keywords (`T`, `TD`, `R`, `退订`, `N`, configurable), so the adapter
/// passes the text through as the vendor gave it; matching is the core's job.
public struct InboundReply: Sendable, Hashable {
    /// The customer's address, as the vendor names it (a phone number for SMS).
    public var from: String
    /// The reply text.
    public var text: String
    /// The vendor's id for the reply (Alibaba `sequence_id`), kept as consent evidence.
    public var vendorReplyID: String?
    /// When the vendor received it, in milliseconds since the Unix epoch, if given.
    public var receivedAtMilliseconds: Int64?

    public init(from: String, text: String, vendorReplyID: String? = nil, receivedAtMilliseconds: Int64? = nil) {
        self.from = from
        self.text = text
        self.vendorReplyID = vendorReplyID
        self.receivedAtMilliseconds = receivedAtMilliseconds
    }
}
