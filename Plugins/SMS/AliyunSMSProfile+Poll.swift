import ChannelAlibabaCloud
import ChannelKit

/// Pull receipts: `QuerySendDetails` (dysmsapi 2017-05-25; vendors.md 2.1.7 "Pull", from
/// https://help.aliyun.com/document_detail/419277.html): one number, one send date (`yyyyMMdd`, Beijing) and the
/// `BizId` per query. `SmsSendDetailDTOs.SmsSendDetailDTO[].SendStatus` is 1 waiting, 2 failed, 3 delivered.
extension AliyunSMSProfile: ReceiptPolling {
    /// One message per query: Alibaba asks for the number and the BizId.
    var pollBatchSize: Int { 1 }

    func pollRequest(for targets: [PollTarget], context: RequestContext) throws(MessageProblem) -> VendorRequest {
        guard targets.count == 1, let target = targets.first else {
            throw .badRequest("QuerySendDetails takes one message at a time")
        }
        // The send date is the day in Beijing (UTC+8) when Alibaba accepted the message.
        let beijing = AlibabaRPCSignature.timestamp(milliseconds: target.sentAtMilliseconds + 8 * 3_600_000)
        let sendDate = String(beijing.prefix(10).filter { $0 != "-" })
        return signedRequest(
            action: "QuerySendDetails",
            business: [
                ("PhoneNumber", Self.vendorNumber(target.recipient) ?? target.recipient),
                ("BizId", target.vendorMessageID),
                ("SendDate", sendDate), ("PageSize", "10"), ("CurrentPage", "1"),
            ],
            context: context)
    }

    func receipts(fromPoll response: VendorResponse, for targets: [PollTarget]) -> [Receipt] {
        guard (200..<300).contains(response.status), let target = targets.first,
            let reply = try? JSONParser.parse(response.body), reply["Code"]?.stringValue == "OK",
            case .array(let details)? = reply["SmsSendDetailDTOs"]?["SmsSendDetailDTO"]
        else { return [] }
        var receipts: [Receipt] = []
        for detail in details {
            let status = detail["SendStatus"]?.scalarText
            let code = detail["ErrCode"]?.stringValue
            let event: Receipt.Event
            switch status {
            case "3": event = .delivered
            case "2": event = .failed(CarrierReports.deliveryFailure(code: code, vendorDetail: nil))
            default: continue  // 1: still waiting for the carrier
            }
            receipts.append(
                Receipt(
                    vendorMessageID: target.vendorMessageID, messageID: detail["OutId"]?.stringValue,
                    recipient: detail["PhoneNum"]?.scalarText ?? target.recipient, event: event,
                    occurredAtMilliseconds: detail["ReceiveDate"]?.stringValue.flatMap(BeijingTime.milliseconds),
                    vendorStatus: code))
        }
        return receipts
    }
}
