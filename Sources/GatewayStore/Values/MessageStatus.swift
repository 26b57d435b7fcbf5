public import ControlProtocol

/// Everything the store knows about one message, for the `status` operation.
///
/// Every backend builds it (all initializers are public), so the answer `status` writes does not depend on
/// which one holds the message.
public struct MessageStatus: Sendable {
    /// One attempt in the history.
    public struct Attempt: Sendable {
        public var number: Int
        public var startedAt: Int64
        public var finishedAt: Int64
        /// What the attempt concluded, as the dispatcher recorded it.
        public var outcome: AttemptRecord.Outcome
        public var httpStatus: Int?
        /// The reason category's name, if the attempt failed or is retried.
        public var reason: String?
        public var vendorCode: String?
        public var detail: String?

        public init(
            number: Int, startedAt: Int64, finishedAt: Int64, outcome: AttemptRecord.Outcome, httpStatus: Int? = nil,
            reason: String? = nil, vendorCode: String? = nil, detail: String? = nil
        ) {
            self.number = number
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.outcome = outcome
            self.httpStatus = httpStatus
            self.reason = reason
            self.vendorCode = vendorCode
            self.detail = detail
        }
    }

    /// One vendor receipt or engagement event about the message.
    public struct ReceiptEntry: Sendable {
        public var event: TimelineEvent
        /// The reason category's name of a failure receipt.
        public var reason: String?
        public var vendorStatus: String?
        public var occurredAt: Int64?
        public var receivedAt: Int64
        /// A value the bank reported with an engagement event (a conversion's amount).
        public var value: String?

        public init(
            event: TimelineEvent, reason: String? = nil, vendorStatus: String? = nil, occurredAt: Int64?,
            receivedAt: Int64, value: String? = nil
        ) {
            self.event = event
            self.reason = reason
            self.vendorStatus = vendorStatus
            self.occurredAt = occurredAt
            self.receivedAt = receivedAt
            self.value = value
        }
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
    public var receipts: [ReceiptEntry]
    /// Clicks on the message's tracked links, and when the first came.
    public var clicks: Int
    public var firstClickAt: Int64?

    public init(
        id: String, channel: String, recipient: String, category: String, state: MessageState, attempts: Int,
        vendorMessageID: String?, reason: String?, reasonDetail: String?, dedupKey: String?, createdAt: Int64,
        updatedAt: Int64, notAfter: Int64?, nextAttemptAt: Int64, customer: String?, history: [Attempt],
        receipts: [ReceiptEntry] = [], clicks: Int = 0, firstClickAt: Int64? = nil
    ) {
        self.id = id
        self.channel = channel
        self.recipient = recipient
        self.category = category
        self.state = state
        self.attempts = attempts
        self.vendorMessageID = vendorMessageID
        self.reason = reason
        self.reasonDetail = reasonDetail
        self.dedupKey = dedupKey
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.notAfter = notAfter
        self.nextAttemptAt = nextAttemptAt
        self.customer = customer
        self.history = history
        self.receipts = receipts
        self.clicks = clicks
        self.firstClickAt = firstClickAt
    }
}
