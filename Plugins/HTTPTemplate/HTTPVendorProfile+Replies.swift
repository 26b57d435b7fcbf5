public import ChannelKit

extension HTTPVendorProfile: CallbackParsing {
    /// How customer replies (SMS MO) pushed by the vendor to `/callbacks/<instance>` are read: the `mo:` mapping.
    ///
    /// Every path is evaluated against one reply item; the items are found at ``itemsPath``.
    struct ReplyRules: Sendable {
        /// Where the replies are: an array holds one reply per element, an object is one reply.
        let itemsPath: JSONPath
        /// The customer's number (a string, or a number taken as its text).
        let fromPath: JSONPath
        /// The reply text.
        let textPath: JSONPath
        /// The vendor's id for the reply.
        let idPath: JSONPath?
        /// When the vendor received it; see ``epochMilliseconds(_:)``.
        let timePath: JSONPath?
        /// The answer the vendor expects.
        let answer: CallbackAnswer

        /// `$`, the default ``itemsPath``.
        static let wholeBody = JSONPath("$")!

        /// Alibaba's SmsUp contract: HTTP 200 with `{"code":0,"msg":"接收成功"}` (only `code` is checked).
        static let alibabaAnswer = CallbackAnswer(
            status: 200,
            contentType: "application/json",
            body: #"{"code":0,"msg":"接收成功"}"#
        )

        /// The replies a callback body holds.
        /// - Throws: ``MessageProblem`` if the body is not JSON, holds no array or object at ``itemsPath``, or a
        ///   reply lacks its sender or text. Messages name positions and paths, never the body's values.
        func replies(in body: [UInt8]) throws(MessageProblem) -> [InboundReply] {
            let root: JSONValue
            do {
                root = try JSONParser.parse(body)
            } catch {
                throw .badRequest("the reply callback's body is not JSON: \(error)")
            }
            let items: [JSONValue]
            switch itemsPath.evaluate(root) {
            case .array(let list)?: items = list
            case .object(let members)?: items = [.object(members)]
            case let other?:
                throw .badRequest("expected an array or an object of replies at \(itemsPath), found \(other.typeName)")
            case nil:
                throw .badRequest("no replies at \(itemsPath) in the reply callback's body")
            }
            var replies: [InboundReply] = []
            for (index, item) in items.enumerated() {
                let position = "reply \(index + 1) of \(items.count)"
                guard let from = Self.text(fromPath.evaluate(item)), !from.isEmpty else {
                    throw .badRequest("\(position) has no sender (a string or number) at \(fromPath)")
                }
                guard let text = Self.text(textPath.evaluate(item)) else {
                    throw .badRequest("\(position) has no text (a string or number) at \(textPath)")
                }
                let id = idPath.flatMap { Self.text($0.evaluate(item)) }
                let time = timePath.flatMap { $0.evaluate(item) }.flatMap { Self.epochMilliseconds($0) }
                replies.append(InboundReply(from: from, text: text, vendorReplyID: id, receivedAtMilliseconds: time))
            }
            return replies
        }

        /// A string, or a number's literal text (``JSONScalarText``).
        static func text(_ value: JSONValue?) -> String? { JSONScalarText.of(value) }

        /// A reply time in milliseconds since the Unix epoch (``CallbackTime``: epoch seconds or Beijing time).
        ///
        /// An unreadable time drops only the time, not the reply: an opt-out must not be lost over its timestamp.
        static func epochMilliseconds(_ value: JSONValue) -> Int64? { CallbackTime.epochMilliseconds(value) }
    }

    /// Reads the replies of a callback, or `nil` (the core answers 404) when `mo:` is not configured.
    public func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        guard let replyRules else { return nil }
        return CallbackReport(replies: try replyRules.replies(in: callback.body), answer: replyRules.answer)
    }
}
