import ChannelKit
import ChannelSMS
import ChannelTesting
import Testing

/// Asking Alibaba whether it took a send that got no answer: `QuerySendDetails` by number and Beijing send date,
/// no BizId (the lost reply would have carried it), matched by the `OutId` our `SendSms` sets to the message id.
struct SMSAliyunSendCheckTests {
    static let message = OutboundMessage(
        id: "m-1", channel: "c", recipient: "+8613800138000", template: "SMS_1")

    static func reply(outIDs: [String], total: Int? = nil) -> VendorResponse {
        let details = outIDs.map { #"{"PhoneNum":"13800138000","SendStatus":1,"OutId":"\#($0)"}"# }
        let body =
            #"{"Code":"OK","TotalCount":\#(total ?? outIDs.count),"SmsSendDetailDTOs":{"SmsSendDetailDTO":["#
            + details.joined(separator: ",") + "]}}"
        return VendorResponse(status: 200, body: Array(body.utf8))
    }

    @Test func theQueryNamesTheNumberAndBeijingDayWithoutABizId() throws {
        let adapter = try SMSAliyunProfileTests.adapter().require((any SendChecking).self)
        let context = RequestContext(nowMilliseconds: 1_795_451_460_000, nonce: 7, attempt: 1)
        // 2026-11-23T16:30:00Z is 2026-11-24 00:30 in Beijing.
        let request = try adapter.sendCheckRequest(
            for: Self.message, sentAtMilliseconds: 1_795_451_400_000, context: context)
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body.contains("Action=QuerySendDetails"))
        #expect(body.contains("PhoneNumber=13800138000"))
        #expect(body.contains("SendDate=20261124"))
        #expect(!body.contains("BizId="))
        #expect(body.contains("&Signature="))
    }

    @Test func theMessageIdAmongTheDaysSendsMeansAccepted() throws {
        let adapter = try SMSAliyunProfileTests.adapter().require((any SendChecking).self)
        #expect(
            adapter.sendCheck(from: Self.reply(outIDs: ["m-0", "m-1"]), message: Self.message)
                == .accepted(vendorMessageID: nil))
        #expect(adapter.sendCheck(from: Self.reply(outIDs: ["m-0"]), message: Self.message) == .notFound)
        #expect(adapter.sendCheck(from: Self.reply(outIDs: []), message: Self.message) == .notFound)
    }

    @Test func whatCannotTellIsUnknown() throws {
        let adapter = try SMSAliyunProfileTests.adapter().require((any SendChecking).self)
        // More sends that day than one page shows: the message may be on a later page.
        guard case .unknown = adapter.sendCheck(from: Self.reply(outIDs: ["m-0"], total: 80), message: Self.message)
        else {
            Issue.record("a partial listing must not read as not found")
            return
        }
        let refused = VendorResponse(status: 200, body: Array(#"{"Code":"isv.BUSINESS_LIMIT_CONTROL"}"#.utf8))
        guard case .unknown(let reason) = adapter.sendCheck(from: refused, message: Self.message) else {
            Issue.record("a refused query must not read as not found")
            return
        }
        #expect(reason.vendorCode == "isv.BUSINESS_LIMIT_CONTROL")
        guard case .unknown = adapter.sendCheck(from: VendorResponse(status: 503, body: []), message: Self.message)
        else {
            Issue.record("a 503 must not read as not found")
            return
        }
    }
}
