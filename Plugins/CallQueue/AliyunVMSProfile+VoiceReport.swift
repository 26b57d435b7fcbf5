import ChannelKit

extension AliyunVMSProfile: CallbackParsing {
    /// Alibaba's answer to a pushed report: HTTP 200 with `{"code":0,"msg":"成功"}` (only `code` is checked). The
    /// VoiceReport page does not state it; it is the SmsReport/SmsUp contract (vendors.md §1 and §6.1.2, [n/v]).
    static let callbackAnswer = CallbackAnswer(
        status: 200, contentType: "application/json", body: #"{"code":0,"msg":"成功"}"#)

    /// Reads a `VoiceReport` HTTP push: a JSON array of call records (one object is taken as one record).
    ///
    /// Format: https://help.aliyun.com/zh/vms/developer-reference/voicereport-1 (vendors.md §6.1.2). Every
    /// record needs `call_id` and a `status_code` or `smart_status_code`; see ``event(statusCode:smartStatusCode:)``
    /// for the mapping. A body in another shape is refused whole (the gateway answers 400 and Alibaba retries);
    /// problems name positions and fields, never values.
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        let root: JSONValue
        do {
            root = try JSONParser.parse(callback.body)
        } catch {
            throw .badRequest("the VoiceReport body is not JSON: \(error)")
        }
        let records: [JSONValue]
        switch root {
        case .array(let list): records = list
        case .object: records = [root]
        default: throw .badRequest("expected a JSON array of call records, found \(root.typeName)")
        }
        var receipts: [Receipt] = []
        for (index, record) in records.enumerated() {
            let position = "record \(index + 1) of \(records.count)"
            guard case .object = record else { throw .badRequest("\(position) is \(record.typeName), not an object") }
            guard let callID = Self.text(record["call_id"]) else {
                throw .badRequest("\(position) has no call_id")
            }
            let statusCode = Self.text(record["status_code"])
            let smartStatusCode = Self.text(record["smart_status_code"])
            guard statusCode != nil || smartStatusCode != nil else {
                throw .badRequest("\(position) has neither status_code nor smart_status_code")
            }
            let time = [record["end_time"], record["start_time"], record["originate_time"]].lazy
                .compactMap { Self.text($0).flatMap(Self.beijingMilliseconds) }.first
            receipts.append(
                Receipt(
                    vendorMessageID: callID,
                    messageID: Self.text(record["out_id"]),
                    recipient: Self.text(record["callee"]),
                    event: Self.event(statusCode: statusCode, smartStatusCode: smartStatusCode),
                    occurredAtMilliseconds: time,
                    vendorStatus: [statusCode, smartStatusCode].compactMap { $0 }.joined(separator: " ")
                ))
        }
        return CallbackReport(receipts: receipts, answer: Self.callbackAnswer)
    }

    /// The receipt event for a call result. `smart_status_code` is read first (vendors.md §6.1.2 prefers it: it
    /// tells a refusal from no answer); `OTHER`, an unknown or absent one falls back to `status_code`.
    ///
    /// Sources: https://help.aliyun.com/zh/vms/developer-reference/smart-status-code and
    /// https://help.aliyun.com/document_detail/55085.html (vendors.md §6.1.2; 200000 as answered per §8 D6).
    static func event(statusCode: String?, smartStatusCode: String?) -> Receipt.Event {
        if let smartStatusCode, let event = smartEvents[smartStatusCode] { return event }
        guard let statusCode else { return .failed(Reason(.unknown, vendorCode: smartStatusCode)) }
        return statusEvents[statusCode] ?? .failed(Reason(.unknown, vendorCode: statusCode))
    }

    /// `smart_status_code` → event. Only `CALL_REJECTED`, the callee refusing the call, is `.refused` (which opts
    /// the number out of marketing calls); the rest of the not-reached codes are `.unanswered`.
    static let smartEvents: [String: Receipt.Event] = [
        "ANSWERED": .answered,
        "CALL_REJECTED": .refused,
        "NO_ANSWER": .unanswered,
        "NO_USER_RESPONDING": .unanswered,
        "USER_BUSY": .busy,
        "CANCEL": .unanswered,
        "NETWORK_BUSY": .unanswered,
        "POWERED_OFF": .unanswered,
        "UNAVAILABLE": .unanswered,
        "SUSPEND": .unanswered,
        "CALL_FORWARDING": .unanswered,
        "INCOMING_CALL_BARRED": .unanswered,
        "INVALID_NUMBER": .invalidNumber,
        "OPERATOR_BLOCK": .failed(
            Reason(.contentRejected, vendorCode: "OPERATOR_BLOCK", detail: "the carrier blocked the call")),
    ]

    /// `status_code` (the carrier result) → event. 200005 (unreachable: a carrier problem or the callee's
    /// anti-spam rejection, not told apart) is `.unanswered`, not `.refused`.
    static let statusEvents: [String: Receipt.Event] = [
        "200000": .answered,
        "200001": .answered,
        "200008": .answered,
        "300000": .answered,
        "200002": .busy,
        "200003": .unanswered,
        "200005": .unanswered,
        "200007": .unanswered,
        "200010": .unanswered,
        "200011": .unanswered,
        "200004": .invalidNumber,
        "482": .failed(Reason(.invalidRecipient, vendorCode: "482", detail: "callee number unavailable")),
        "200006": .failed(Reason(.contentRejected, vendorCode: "200006", detail: "voice file or format error")),
        "200117": .failed(Reason(.contentRejected, vendorCode: "200117", detail: "caller number not authorised")),
        "476": .failed(Reason(.contentRejected, vendorCode: "476", detail: "caller number reclaimed")),
        "200118": .failed(Reason(.throttled, vendorCode: "200118", detail: "supplier call-time window")),
        "200119": .failed(Reason(.throttled, vendorCode: "200119", detail: "supplier frequency limit")),
        "200121": .failed(Reason(.throttled, vendorCode: "200121", detail: "concurrency exceeded")),
        "400": .failed(Reason(.vendorUnavailable, vendorCode: "400", detail: "network element busy")),
        "500": .failed(Reason(.vendorUnavailable, vendorCode: "500", detail: "carrier error")),
        "999999": .failed(Reason(.vendorUnavailable, vendorCode: "999999", detail: "system error")),
    ]

    /// A non-empty string, or a number's literal (Alibaba sends strings, but `b_duration` shows numbers occur).
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)? where !text.isEmpty: text
        case .number(let text)?: text
        default: nil
        }
    }

    /// `yyyy-MM-dd HH:mm:ss` read as Beijing time (UTC+8), as Alibaba writes its times; `nil` otherwise.
    static func beijingMilliseconds(_ text: String) -> Int64? { BeijingTime.milliseconds(text) }
}
