import ChannelAppPush
import ChannelKit
import ChannelTesting
import Testing

/// HMS receipt callbacks (vendors.md §5.2; https://developer.huawei.com/consumer/en/doc/HMSCore-References-V5/
/// https-send-receipt-api-0000001051066120-V5/): the documented `statuses` body becomes receipts.
struct HuaweiReceiptTests {
    static func adapter(callbacks: Bool) throws -> any CallbackParsing {
        let extra = callbacks ? #","callback_key":"credential:hms_cb","callback_username":"gateway""# : ""
        return try TestSettings.adapter(
            AppPushChannel.kind, vendor: "huawei",
            json: #"{"app_id":"104567890","client_secret":"credential:hms"\#(extra)}"#
        ).require((any CallbackParsing).self)
    }

    @Test func statusesBecomeReceiptsAndTheCoreIsToldHowToCheckThem() throws {
        let adapter = try Self.adapter(callbacks: true)
        #expect(
            (try adapter.require((any CallbackVerifying).self).callbackVerifier as? HuaweiCallbackCheck)
                == HuaweiCallbackCheck(key: Secret(TestSettings.secretValue("hms_cb")), username: "gateway"))
        let body = #"""
            {"statuses":[
              {"biTag":"m-1","appid":"104567890","token":"tokA","status":0,"timestamp":1557131316413,"requestId":"r1"},
              {"appid":"104567890","token":"tokB","status":5,"timestamp":1557131316414,"requestId":"r1"},
              {"appid":"104567890","token":"tokC","status":102,"timestamp":1557131316415,"requestId":"r1"}]}
            """#
        let report = try #require(
            try adapter.parseCallback(InboundCallback(method: "POST", path: "/", body: Array(body.utf8))))
        #expect(report.receipts.map(\.recipient) == ["tokA", "tokB", "tokC"])
        #expect(report.receipts.first?.event == .delivered)
        #expect(report.receipts.first?.messageID == "m-1")
        #expect(report.receipts.first?.vendorMessageID == "r1")
        #expect(report.receipts.first?.occurredAtMilliseconds == 1_557_131_316_413)
        guard case .failed(let gone)? = report.receipts.dropFirst().first?.event,
            case .failed(let throttled)? = report.receipts.last?.event
        else {
            Issue.record("statuses 5 and 102 are not failures")
            return
        }
        #expect(gone.category == .invalidRecipient)
        #expect(throttled.category == .throttled)
        #expect(throws: MessageProblem.self) {
            try adapter.parseCallback(InboundCallback(method: "POST", path: "/", body: Array("[]".utf8)))
        }
        // Without callback settings the instance takes no callbacks.
        #expect(try Self.adapter(callbacks: false).parseCallback(InboundCallback(method: "POST", path: "/")) == nil)
    }
}
