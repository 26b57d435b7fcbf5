public import ControlProtocol

/// Everything the store knows about one message, for the `status` operation.
public struct MessageStatus: Sendable {
    /// One attempt in the history.
    public struct Attempt: Sendable {
        public var number: Int
        public var startedAt: Int64
        public var finishedAt: Int64
        public var outcome: String
        public var httpStatus: Int?
        public var reason: String?
        public var vendorCode: String?
        public var detail: String?
    }

    /// One vendor receipt about the message.
    public struct ReceiptEntry: Sendable {
        public var event: String
        public var reason: String?
        public var vendorStatus: String?
        public var occurredAt: Int64?
        public var receivedAt: Int64
        /// A value the bank reported with an engagement event (a conversion's amount).
        public var value: String? = nil
    }

    public var id: String
    public var channel: String
    public var recipient: String
    public var category: String
    /// Its state; `deferred` for a queued message never tried that waits for a time (`not_before`, quiet hours,
    /// a deferring cap).
    public var state: MessageState
    public var attempts: Int
    public var vendorMessageID: String?
    public var reason: String?
    public var reasonDetail: String?
    public var dedupKey: String?
    public var createdAt: Int64
    public var updatedAt: Int64
    public var notAfter: Int64?
    public var nextAttemptAt: Int64
    /// The customer id the send named, if any.
    public var customer: String?
    public var history: [Attempt]
    /// Receipts in arrival order.
    public var receipts: [ReceiptEntry] = []
    /// Clicks on the message's tracked links, and when the first came.
    public var clicks = 0
    public var firstClickAt: Int64?
}
