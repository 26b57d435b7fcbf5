public import ChannelKit

extension CallbackReport {
    /// Which parts of a report a fixture's `report.expected.json` writes, and how it writes a receipt.
    public struct FixtureShape: Sendable {
        /// Whether `replies: [{from, text, vendor_reply_id, received_at_ms}]` is written.
        public var replies: Bool
        /// Whether `receipts: [{event, <vendorIDKey>, message_id, recipient, occurred_at_ms, vendor_status,
        /// reason}]` is written.
        public var receipts: Bool
        /// The key of a receipt's vendor message id (`call_id` for calls).
        public var vendorIDKey: String
        /// Whether a failure's category, vendor code and detail sit in the receipt itself rather than in `reason`.
        public var flatReason: Bool

        public init(
            replies: Bool, receipts: Bool, vendorIDKey: String = "vendor_message_id", flatReason: Bool = false
        ) {
            self.replies = replies
            self.receipts = receipts
            self.vendorIDKey = vendorIDKey
            self.flatReason = flatReason
        }

        /// Replies and the answer (customer replies, MO).
        public static let replies = FixtureShape(replies: true, receipts: false)
        /// Receipts, replies and the answer (SMS callbacks).
        public static let receiptsAndReplies = FixtureShape(replies: true, receipts: true)

        /// Receipts and the answer.
        public static func receipts(vendorIDKey: String = "vendor_message_id", flatReason: Bool = false)
            -> FixtureShape
        {
            FixtureShape(replies: false, receipts: true, vendorIDKey: vendorIDKey, flatReason: flatReason)
        }
    }

    /// The report as `report.expected.json` writes it, absent fields omitted.
    public func fixtureJSON(_ shape: FixtureShape) -> JSONValue {
        var members: [String: JSONValue] = [
            "answer": .object([
                "status": .number(String(answer.status)),
                "content_type": .string(answer.contentType),
                "body": .string(answer.body),
            ])
        ]
        if shape.replies {
            members["replies"] = .array(
                replies.map { reply in
                    var members: [String: JSONValue] = ["from": .string(reply.from), "text": .string(reply.text)]
                    if let id = reply.vendorReplyID { members["vendor_reply_id"] = .string(id) }
                    if let time = reply.receivedAtMilliseconds { members["received_at_ms"] = .number(String(time)) }
                    return .object(members)
                })
        }
        if shape.receipts { members["receipts"] = .array(receipts.map { $0.fixtureJSON(shape) }) }
        return .object(members)
    }
}
