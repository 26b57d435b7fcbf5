import ChannelKit

extension AliyunSMSProfile {
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
        let items = try Self.callbackItems(callback.body, name: "SmsReport/SmsUp")
        var receipts: [Receipt] = []
        var replies: [InboundReply] = []
        for (index, item) in items.enumerated() {
            let position = "item \(index + 1) of \(items.count)"
            if item["success"] != nil {
                receipts.append(try receipt(item, position: position))
            } else if item["content"] != nil {
                replies.append(try Self.reply(item, position: position))
            } else {
                throw .badRequest("\(position) is neither an SmsReport (no 'success') nor an SmsUp (no 'content')")
            }
        }
        return CallbackReport(receipts: receipts, replies: replies, answer: Self.callbackAnswer)
    }

    /// One SmsReport item as a receipt: `success` decides delivered or failed; `err_code` is kept as the vendor
    /// status and, on failure, classified by ``carrierStatuses``.
    func receipt(_ item: JSONValue, position: String) throws(MessageProblem) -> Receipt {
        let success: Bool
        switch item["success"] {
        case .bool(let value)?: success = value
        case .string("true")?: success = true
        case .string("false")?: success = false
        default: throw .badRequest("SmsReport \(position) has a 'success' that is not a boolean")
        }
        guard let bizID = Self.text(item["biz_id"]) else {
            throw .badRequest("SmsReport \(position) has no 'biz_id' (a string or number)")
        }
        guard let phoneNumber = Self.text(item["phone_number"]) else {
            throw .badRequest("SmsReport \(position) has no 'phone_number' (a string or number)")
        }
        let code = Self.text(item["err_code"])
        let event: Receipt.Event =
            success
            ? .delivered
            : .failed(Self.deliveryFailure(code: code, vendorDetail: Self.text(item["err_msg"]).map(redacted)))
        return Receipt(
            vendorMessageID: bizID,
            messageID: Self.text(item["out_id"]),
            recipient: phoneNumber,
            event: event,
            occurredAtMilliseconds: Self.text(item["report_time"]).flatMap(Self.beijingMilliseconds),
            vendorStatus: code
        )
    }

    /// One SmsUp item as a customer reply: the number and text as Alibaba sent them (the core matches opt-out
    /// keywords and normalises numbers), `sequence_id` as the reply's id, `send_time` as when it was received.
    static func reply(_ item: JSONValue, position: String) throws(MessageProblem) -> InboundReply {
        guard let phoneNumber = text(item["phone_number"]) else {
            throw .badRequest("SmsUp \(position) has no 'phone_number' (a string or number)")
        }
        guard let content = HTTPVendorProfile.ReplyRules.text(item["content"]) else {
            throw .badRequest("SmsUp \(position) has a 'content' that is not a string")
        }
        return InboundReply(
            from: phoneNumber,
            text: content,
            vendorReplyID: text(item["sequence_id"]),
            receivedAtMilliseconds: text(item["send_time"]).flatMap(beijingMilliseconds)
        )
    }

    // MARK: Shared with the tencent profile

    /// The items of a pushed JSON body: an array's elements, or one object; each must be an object.
    /// - Parameter name: the push's name, for problems.
    static func callbackItems(_ body: [UInt8], name: String) throws(MessageProblem) -> [JSONValue] {
        let root: JSONValue
        do {
            root = try JSONParser.parse(body)
        } catch {
            throw .badRequest("the \(name) body is not JSON: \(error)")
        }
        let items: [JSONValue]
        switch root {
        case .array(let list): items = list
        case .object: items = [root]
        default: throw .badRequest("expected a JSON array of \(name) items, found \(root.typeName)")
        }
        for (index, item) in items.enumerated() {
            guard case .object = item else {
                throw .badRequest("item \(index + 1) of \(items.count) is \(item.typeName), not an object")
            }
        }
        return items
    }

    /// A non-empty string, or a number's literal; `nil` for anything else.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)? where !text.isEmpty: text
        case .number(let text)?: text
        default: nil
        }
    }

    /// `yyyy-MM-dd HH:mm:ss` read as Beijing time (UTC+8), in milliseconds since the epoch; `nil` otherwise.
    static func beijingMilliseconds(_ text: String) -> Int64? {
        BeijingTime.milliseconds(text)
    }

    /// The failure reason for a carrier status: its ``carrierStatuses`` category (`unknown` if unlisted or absent),
    /// the status as the vendor code, and the vendor's own text as detail (else the table's meaning).
    static func deliveryFailure(code: String?, vendorDetail: String?) -> Reason {
        let known = code.flatMap { carrierStatuses[$0] }
        return Reason(known?.category ?? .unknown, vendorCode: code, detail: vendorDetail ?? known?.meaning)
    }

    /// Carrier delivery-report statuses (CMPP/SGIP/SMGP `stat`, passed through by Alibaba as `err_code` and by
    /// Tencent as `errmsg`) and what a failure with each means. From vendors.md 2.1.8, whose carrier list is
    /// third-party [U] (https://www.cnblogs.com/da-guang/p/5880631.html, https://cnblogs.com/yhdkzy/p/4238029.html)
    /// with Huawei Cloud's handling advice (https://support.huaweicloud.com/eu/api-msgsms/sms_05_0051.html):
    /// a missing, suspended or blacklisted number is the recipient's (`invalid_recipient`); a phone that was off or
    /// out of coverage may take a later message, and `REJECTD` has several causes, so both are `unknown`. The same
    /// table is in the README.
    static let carrierStatuses: [String: (category: ReasonCategory, meaning: String)] = [
        "UNDELIV": (.invalidRecipient, "undeliverable: the subscriber is suspended or abnormal"),
        "MK:0001": (.invalidRecipient, "no such subscriber"),
        "MK:0005": (.invalidRecipient, "the subscriber is suspended"),
        "MK:0013": (.invalidRecipient, "the subscriber is suspended"),
        "DB:0144": (.invalidRecipient, "the number is on a blacklist"),
        "DBBLACK": (.invalidRecipient, "the number is on a blacklist"),
        "MBBLACK": (.invalidRecipient, "the number is on a blacklist"),
        "MK:0115": (.contentRejected, "blocked as spam by the carrier"),
        "IB:0008": (.throttled, "carrier gateway flow control"),
        "DB:0142": (.throttled, "the number's daily message cap at the carrier"),
        "EXPIRED": (.unknown, "not delivered in time: the phone was off or out of coverage"),
        "MK:0010": (.unknown, "the phone was off"),
        "MK:0023": (.unknown, "the phone was off"),
        "REJECTD": (.unknown, "rejected by the carrier (cause not given)"),
    ]
}
