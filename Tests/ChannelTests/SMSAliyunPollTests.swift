import ChannelKit
import ChannelSMS
import ChannelTesting
import Foundation
import Testing

/// `QuerySendDetails` pull receipts of the `aliyun` profile (https://help.aliyun.com/document_detail/419277.html;
/// vendors.md 2.1.7 "Pull"): the query names the number, the BizId and the Beijing send date; SendStatus 3 is
/// delivered, 2 failed with the carrier code, 1 still waiting.
struct SMSAliyunPollTests {
    static let target = PollTarget(
        messageID: "m-1", vendorMessageID: "900619746936498440^0", recipient: "+8613800138000",
        // 2026-11-23T16:30:00Z is 2026-11-24 00:30 in Beijing: the send date is the Beijing day.
        sentAtMilliseconds: 1_795_451_400_000)

    @Test func theQueryNamesNumberBizIdAndBeijingSendDate() throws {
        let adapter = try SMSAliyunProfileTests.adapter().require((any ReceiptPolling).self)
        #expect(adapter.pollBatchSize == 1)
        let context = RequestContext(nowMilliseconds: 1_795_451_460_000, nonce: 42, attempt: 1)
        let request = try adapter.pollRequest(for: [Self.target], context: context)
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body.contains("Action=QuerySendDetails"))
        #expect(body.contains("PhoneNumber=13800138000"))
        #expect(body.contains("BizId=900619746936498440%5E0"))
        #expect(body.contains("SendDate=20261124"))
        #expect(body.contains("&Signature="))
        #expect(try adapter.pollRequest(for: [Self.target], context: context) == request)
    }

    @Test func sendStatusesBecomeReceipts() throws {
        let adapter = try SMSAliyunProfileTests.adapter().require((any ReceiptPolling).self)
        func receipts(_ status: Int, _ code: String) -> [Receipt] {
            let body =
                #"{"Code":"OK","TotalCount":1,"SmsSendDetailDTOs":{"SmsSendDetailDTO":[{"PhoneNum":"13800138000","#
                + #""SendStatus":\#(status),"ErrCode":"\#(code)","ReceiveDate":"2026-11-24 10:00:05","OutId":"m-1"}]}}"#
            return adapter.receipts(fromPoll: VendorResponse(status: 200, body: Array(body.utf8)), for: [Self.target])
        }
        let delivered = receipts(3, "DELIVERED")
        #expect(delivered.map(\.event) == [.delivered])
        #expect(delivered.first?.vendorMessageID == Self.target.vendorMessageID)
        #expect(delivered.first?.messageID == "m-1")
        #expect(delivered.first?.occurredAtMilliseconds == 1_795_485_605_000)
        guard case .failed(let reason)? = receipts(2, "UNDELIV").first?.event else {
            Issue.record("status 2 is not a failure")
            return
        }
        #expect(reason.category == .invalidRecipient)
        #expect(receipts(1, "").isEmpty)
        let refused = VendorResponse(status: 200, body: Array(#"{"Code":"isv.INVALID_PARAMETERS"}"#.utf8))
        #expect(adapter.receipts(fromPoll: refused, for: [Self.target]).isEmpty)
    }
}
