/// What one vendor callback carried, and the answer the vendor expects back.
public struct CallbackReport: Sendable, Hashable {
    /// Delivery and engagement reports about sent messages.
    public var receipts: [Receipt]
    /// Customers' replies (SMS MO).
    public var replies: [InboundReply]
    /// The HTTP answer the vendor expects; anything else makes it retry.
    public var answer: CallbackAnswer

    public init(receipts: [Receipt] = [], replies: [InboundReply] = [], answer: CallbackAnswer = .plainOK) {
        self.receipts = receipts
        self.replies = replies
        self.answer = answer
    }
}

/// The HTTP answer to a vendor callback, in the vendor's own contract (Alibaba wants `{"code":0,…}`,
/// Tencent `{"result":0,…}`, WeChat `success`).
public struct CallbackAnswer: Sendable, Hashable {
    /// The HTTP status.
    public var status: Int
    /// The `Content-Type` of `body`.
    public var contentType: String
    /// The body.
    public var body: String

    public init(status: Int = 200, contentType: String, body: String) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// `200 OK` with the body `OK`, for vendors that only look at the status.
    public static let plainOK = CallbackAnswer(contentType: "text/plain; charset=utf-8", body: "OK")
}
