import ChannelKit

extension TencentSMSProfile: CallbackParsing {
    /// Tencent's answer to a status-report or reply callback: `{"result":0,"errmsg":"OK"}` (vendors.md 2.2.6;
    /// https://cloud.tencent.com/document/api/382/5807 and https://cloud.tencent.com/document/api/382/5809).
    static let callbackAnswer = CallbackAnswer(
        status: 200, contentType: "application/json", body: #"{"result":0,"errmsg":"OK"}"#)

    /// Reads a callback to `/callbacks/<instance>`: status reports and customer replies, told apart item by item,
    /// since one instance URL receives both (vendors.md 2.2.6).
    ///
    /// A status report is a JSON array (https://cloud.tencent.com/document/api/382/5807,
    /// https://www.tencentcloud.com/document/api/382/43547) of `{user_receive_time, nationcode, mobile,
    /// report_status, errmsg, description, sid}`: an item with `report_status` (`SUCCESS` or `FAIL`). A reply
    /// (https://cloud.tencent.com/document/api/382/5809, https://www.tencentcloud.com/document/api/382/43548) is one
    /// object `{extend, mobile, nationcode, sign, text, time}`: an item with `text`. Numbers become
    /// `+<nationcode><mobile>`, as `PhoneNumberSet` takes them. `user_receive_time` is read as Beijing time (UTC+8,
    /// [n/v]: the docs give no zone); a reply's `time` is Unix seconds.
    ///
    /// The push carries `sid` (the send's `SerialNo`) but not `SessionContext`, so a receipt names no gateway
    /// message id: the core matches it by `sid`. A body in another shape is refused whole (the gateway answers 400);
    /// problems name positions and fields, never numbers or text. An unreadable time drops the time only.
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        let items = try CarrierReports.items(callback.body, name: "status report/reply")
        var receipts: [Receipt] = []
        var replies: [InboundReply] = []
        for (index, item) in items.enumerated() {
            // Only an error names the position: built on demand, not for every receipt of every push.
            let position = { "item \(index + 1) of \(items.count)" }
            if item["report_status"] != nil {
                receipts.append(try receipt(item, position: position()))
            } else if item["text"] != nil {
                replies.append(try Self.reply(item, position: position()))
            } else {
                throw .badRequest(
                    "\(position()) is neither a status report (no 'report_status') nor a reply (no 'text')")
            }
        }
        return CallbackReport(receipts: receipts, replies: replies, answer: Self.callbackAnswer)
    }

    /// One status-report item as a receipt: `SUCCESS` is delivered, `FAIL` a failure classified by its carrier
    /// status `errmsg` (``CarrierReports/statuses``), with `description` as detail.
    func receipt(_ item: JSONValue, position: @autoclosure () -> String) throws(MessageProblem) -> Receipt {
        let delivered: Bool
        switch item["report_status"] {
        case .string("SUCCESS")?: delivered = true
        case .string("FAIL")?: delivered = false
        default: throw .badRequest("status report \(position()) has a 'report_status' other than SUCCESS or FAIL")
        }
        guard let sid = CarrierReports.text(item["sid"]) else {
            throw .badRequest("status report \(position()) has no 'sid' (a string or number)")
        }
        guard let number = Self.number(item) else {
            throw .badRequest("status report \(position()) has no 'mobile' (a string or number)")
        }
        let status = CarrierReports.text(item["errmsg"])
        let detail = CarrierReports.text(item["description"]).map(redacted)
        return Receipt(
            vendorMessageID: sid,
            recipient: number,
            event: delivered
                ? .delivered : .failed(CarrierReports.deliveryFailure(code: status, vendorDetail: detail)),
            occurredAtMilliseconds: CarrierReports.text(item["user_receive_time"]).flatMap(
                BeijingTime.milliseconds),
            vendorStatus: status
        )
    }

    /// One reply item: the number as `+<nationcode><mobile>`, the text as sent, `time` (Unix seconds) as when it
    /// was received. The reply callback has no id of its own.
    static func reply(_ item: JSONValue, position: @autoclosure () -> String) throws(MessageProblem) -> InboundReply {
        guard let number = number(item) else {
            throw .badRequest("reply \(position()) has no 'mobile' (a string or number)")
        }
        guard let text = JSONScalarText.of(item["text"]) else {
            throw .badRequest("reply \(position()) has a 'text' that is not a string")
        }
        let time = item["time"].flatMap(CallbackTime.epochMilliseconds)
        return InboundReply(from: number, text: text, receivedAtMilliseconds: time)
    }

    /// `+<nationcode><mobile>` when `nationcode` is digits; `mobile` alone when it is absent or already has a `+`.
    static func number(_ item: JSONValue) -> String? {
        guard let mobile = CarrierReports.text(item["mobile"]) else { return nil }
        guard !mobile.hasPrefix("+"), let code = CarrierReports.text(item["nationcode"]),
            code.utf8.allSatisfy(PhoneNumber.isDigit)
        else { return mobile }
        return "+" + code + mobile
    }
}
