import ChannelKit

/// HMS Push Kit receipt callbacks (vendors.md §5.2, from
/// https://developer.huawei.com/consumer/en/doc/HMSCore-References-V5/https-send-receipt-api-0000001051066120-V5/):
/// `{"statuses":[{"biTag","appid","token","status","timestamp","requestId"}]}`, at most 100 per push, already
/// authenticated before they get here (`X-HUAWEI-CALLBACK-ID`, see ``HuaweiCallbackCheck``).
extension HuaweiPushProfile: CallbackParsing {
    /// Receipt status → event: 0 delivered; 2 app not installed and 5 token unknown (delete the token); 6
    /// notifications off and 10 device inactive 30 days; 102 dropped by Huawei's frequency control; 144 and 201
    /// held by Huawei's policy.
    static let receiptStatuses: [Int: Receipt.Event] = [
        0: .delivered,
        2: .failed(Reason(.invalidRecipient, vendorCode: "2", detail: "the app is not installed")),
        5: .failed(Reason(.invalidRecipient, vendorCode: "5", detail: "the push token does not exist")),
        6: .failed(Reason(.invalidRecipient, vendorCode: "6", detail: "notifications are off on the device")),
        10: .failed(Reason(.invalidRecipient, vendorCode: "10", detail: "the device has been offline for 30 days")),
        102: .failed(Reason(.throttled, vendorCode: "102", detail: "dropped by Huawei's frequency control")),
        144: .failed(Reason(.contentRejected, vendorCode: "144", detail: "held by Huawei's policy")),
        201: .failed(Reason(.contentRejected, vendorCode: "201", detail: "held by Huawei's policy")),
    ]

    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        guard callbackSecurity != nil else { return nil }
        let root: JSONValue
        do {
            root = try JSONParser.parse(callback.body)
        } catch {
            throw .badRequest("the receipt body is not JSON: \(error)")
        }
        guard case .array(let statuses)? = root["statuses"] else {
            throw .badRequest("expected a 'statuses' array in the receipt body")
        }
        var receipts: [Receipt] = []
        for (index, entry) in statuses.enumerated() {
            guard let status = entry["status"]?.scalarText.flatMap({ Int($0) }) else {
                throw .badRequest("receipt \(index + 1) of \(statuses.count) has no numeric 'status'")
            }
            let event =
                Self.receiptStatuses[status]
                ?? .failed(Reason(.unknown, vendorCode: String(status), detail: "an undocumented receipt status"))
            receipts.append(
                Receipt(
                    vendorMessageID: entry["requestId"]?.stringValue, messageID: entry["biTag"]?.stringValue,
                    recipient: entry["token"]?.stringValue, event: event,
                    occurredAtMilliseconds: entry["timestamp"]?.scalarText.flatMap { Int64($0) },
                    vendorStatus: String(status)))
        }
        return CallbackReport(receipts: receipts, answer: .plainOK)
    }
}
