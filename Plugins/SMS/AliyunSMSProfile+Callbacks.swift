import ChannelKit

extension AliyunSMSProfile: CallbackParsing {
    /// Alibaba's answer to an SmsReport or SmsUp push: HTTP 200 with `{"code":0,"msg":"接收成功"}`; Alibaba only
    /// checks that `code` is 0 (vendors.md 2.1.7; https://help.aliyun.com/zh/sms/developer-reference/smsreport-2).
    static let callbackAnswer = CallbackAnswer(
        status: 200, contentType: "application/json", body: #"{"code":0,"msg":"接收成功"}"#)

    /// Reads an HTTP batch push to `/callbacks/<instance>`: delivery receipts (`SmsReport`) and customer replies
    /// (`SmsUp`), told apart item by item, since one instance URL receives both (vendors.md 2.1.7).
    ///
    /// The body is a JSON array (one object is taken as one item). An item with `success` is an SmsReport
    /// (https://help.aliyun.com/zh/sms/developer-reference/smsreport-2): `biz_id`, `out_id` (absent for
    /// `SendBatchSms`), `phone_number`, `success`, `err_code`, `err_msg`, `report_time`. An item with `content` is
    /// an SmsUp (https://help.aliyun.com/zh/sms/developer-reference/smsup-http): `phone_number`, `content`,
    /// `sequence_id`, `send_time`. Times are `yyyy-MM-dd HH:mm:ss` Beijing time (UTC+8). Other fields (`sms_size`,
    /// `sign_name`, `dest_code`, the OpenAPI definition's `template_code`, `message_id`, `request_id`) are ignored.
    ///
    /// A body in another shape is refused whole (the gateway answers 400 and Alibaba retries); problems name
    /// positions and fields, never numbers or text. An unreadable time drops the time only.
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        let items = try CarrierReports.items(callback.body, name: "SmsReport/SmsUp")
        var receipts: [Receipt] = []
        var replies: [InboundReply] = []
        for (index, item) in items.enumerated() {
            // Only an error names the position: built on demand, not for every receipt of every push.
            let position = { "item \(index + 1) of \(items.count)" }
            if item["success"] != nil {
                receipts.append(try receipt(item, position: position()))
            } else if item["content"] != nil {
                replies.append(try Self.reply(item, position: position()))
            } else {
                throw .badRequest("\(position()) is neither an SmsReport (no 'success') nor an SmsUp (no 'content')")
            }
        }
        return CallbackReport(receipts: receipts, replies: replies, answer: Self.callbackAnswer)
    }

    /// One SmsReport item as a receipt: `success` decides delivered or failed; `err_code` is kept as the vendor
    /// status and, on failure, classified by ``CarrierReports/statuses``.
    func receipt(_ item: JSONValue, position: @autoclosure () -> String) throws(MessageProblem) -> Receipt {
        let success: Bool
        switch item["success"] {
        case .bool(let value)?: success = value
        case .string("true")?: success = true
        case .string("false")?: success = false
        default: throw .badRequest("SmsReport \(position()) has a 'success' that is not a boolean")
        }
        guard let bizID = CarrierReports.text(item["biz_id"]) else {
            throw .badRequest("SmsReport \(position()) has no 'biz_id' (a string or number)")
        }
        guard let phoneNumber = CarrierReports.text(item["phone_number"]) else {
            throw .badRequest("SmsReport \(position()) has no 'phone_number' (a string or number)")
        }
        let code = CarrierReports.text(item["err_code"])
        let event: Receipt.Event =
            success
            ? .delivered
            : .failed(
                CarrierReports.deliveryFailure(
                    code: code, vendorDetail: CarrierReports.text(item["err_msg"]).map(redacted)))
        return Receipt(
            vendorMessageID: bizID,
            messageID: CarrierReports.text(item["out_id"]),
            recipient: phoneNumber,
            event: event,
            occurredAtMilliseconds: CarrierReports.text(item["report_time"]).flatMap(BeijingTime.milliseconds),
            vendorStatus: code
        )
    }

    /// One SmsUp item as a customer reply: the number and text as Alibaba sent them (the core matches opt-out
    /// keywords and normalises numbers), `sequence_id` as the reply's id, `send_time` as when it was received.
    static func reply(_ item: JSONValue, position: @autoclosure () -> String) throws(MessageProblem) -> InboundReply {
        guard let phoneNumber = CarrierReports.text(item["phone_number"]) else {
            throw .badRequest("SmsUp \(position()) has no 'phone_number' (a string or number)")
        }
        guard let content = JSONScalarText.of(item["content"]) else {
            throw .badRequest("SmsUp \(position()) has a 'content' that is not a string")
        }
        return InboundReply(
            from: phoneNumber,
            text: content,
            vendorReplyID: CarrierReports.text(item["sequence_id"]),
            receivedAtMilliseconds: CarrierReports.text(item["send_time"]).flatMap(BeijingTime.milliseconds)
        )
    }
}
