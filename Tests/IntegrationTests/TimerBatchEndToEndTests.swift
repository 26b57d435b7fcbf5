import ChannelKit
import Foundation
import Testing

/// Messages released together by a timer go out batched, end to end: `gatewayd` sends through the `aliyun` SMS
/// profile to `fakevendor`, whose record file names each number's `BizId` (one per request, vendors.md 2.1).
@Suite(.serialized)
struct TimerBatchEndToEndTests {
    /// The issue's example: three Alibaba messages with the same `not_before` are one `SendBatchSms`, not three
    /// `SendSms`.
    @Test func threeAlibabaMessagesWithTheSameNotBeforeShareOneSendBatchSms() throws {
        let gateway = try TestGateway(channels: ["sms-aliyun": ReceiptEndToEndTests.aliyun])
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        let numbers = ["13800000001", "13800000002", "13800000003"]
        let release = Int64(Date().timeIntervalSince1970 * 1000) + 1_500
        for (index, number) in numbers.enumerated() {
            let answer = client.request(
                #"{"op":"send","channel":"sms-aliyun","to":"\#(number)","template":"SMS_1","#
                    + #""params":{"code":"\#(index)"},"not_before":\#(release)}"#)
            #expect(answer?["state"] == .string("deferred"))
        }

        var placed = ReceiptEndToEndTests.placed(gateway)
        for _ in 0..<100 where placed.count < numbers.count {
            Thread.sleep(forTimeInterval: 0.1)
            placed = ReceiptEndToEndTests.placed(gateway)
        }
        #expect(Int64(Date().timeIntervalSince1970 * 1000) >= release)
        #expect(Set(placed.keys) == Set(numbers))
        // One BizId for the three numbers: one SendBatchSms (a SendSms each would have three).
        #expect(Set(placed.values.map(\.bizID)).count == 1)
        #expect(placed.values.allSatisfy { $0.outID.isEmpty })
    }
}
