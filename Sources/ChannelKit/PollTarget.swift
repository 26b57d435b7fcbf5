/// A sent message whose outcome the core asks the vendor for, for vendors that offer pull receipts.
public struct PollTarget: Sendable, Hashable {
    /// The gateway's message id.
    public var messageID: String
    /// The vendor's id for it, from the send reply.
    public var vendorMessageID: String
    /// The recipient.
    public var recipient: String
    /// When the vendor accepted it, in milliseconds since the Unix epoch.
    public var sentAtMilliseconds: Int64

    public init(messageID: String, vendorMessageID: String, recipient: String, sentAtMilliseconds: Int64) {
        self.messageID = messageID
        self.vendorMessageID = vendorMessageID
        self.recipient = recipient
        self.sentAtMilliseconds = sentAtMilliseconds
    }
}
