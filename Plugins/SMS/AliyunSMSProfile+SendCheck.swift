import ChannelAlibabaCloud
import ChannelKit

/// Asking Alibaba whether it took a send that got no answer: `QuerySendDetails` by number and send date without a
/// `BizId` (which the lost reply would have carried) lists that day's sends to the number, each with the `OutId`
/// our `SendSms` set to the message id. Any status (1 waiting, 2 failed, 3 delivered) means Alibaba accepted it.
extension AliyunSMSProfile: SendChecking {
    /// The most sends to one number on one day a check looks through; more and it cannot tell.
    static let sendCheckPageSize = 50

    func sendCheckRequest(for message: OutboundMessage, sentAtMilliseconds: Int64, context: RequestContext)
        throws(MessageProblem) -> VendorRequest
    {
        // The send date is the day in Beijing (UTC+8).
        let beijing = AlibabaRPCSignature.timestamp(milliseconds: sentAtMilliseconds + 8 * 3_600_000)
        let sendDate = String(beijing.prefix(10).filter { $0 != "-" })
        return signedRequest(
            action: "QuerySendDetails",
            business: [
                ("PhoneNumber", Self.vendorNumber(message.recipient) ?? message.recipient),
                ("SendDate", sendDate), ("PageSize", String(Self.sendCheckPageSize)), ("CurrentPage", "1"),
            ],
            context: context)
    }

    func sendCheck(from response: VendorResponse, message: OutboundMessage) -> SendCheck {
        guard (200..<300).contains(response.status), let reply = try? JSONParser.parse(response.body) else {
            return .unknown(Reason(.vendorUnavailable, detail: "QuerySendDetails answered HTTP \(response.status)"))
        }
        guard reply["Code"]?.stringValue == "OK" else {
            let code = reply["Code"]?.stringValue ?? "?"
            return .unknown(Reason(.unknown, vendorCode: code, detail: "QuerySendDetails refused the query"))
        }
        var details: [JSONValue] = []
        if case .array(let list)? = reply["SmsSendDetailDTOs"]?["SmsSendDetailDTO"] { details = list }
        if details.contains(where: { $0["OutId"]?.stringValue == message.id }) {
            return .accepted(vendorMessageID: nil)
        }
        let total = reply["TotalCount"]?.scalarText.flatMap { Int($0) } ?? details.count
        guard total <= Self.sendCheckPageSize else {
            return .unknown(Reason(.unknown, detail: "QuerySendDetails lists \(total) sends to the number that day"))
        }
        return .notFound
    }
}
