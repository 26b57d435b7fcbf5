import ChannelKit
import Foundation
import Testing

/// Pull receipts: an `aliyun` SMS instance with `poll_receipts` asks `QuerySendDetails` (signature checked by
/// the stub) about sent messages that got no push, and their states follow. Real `gatewayd` and `fakevendor`.
@Suite(.serialized)
struct PollReceiptTests {
    @Test func sentMessagesWithoutPushReceiptsArePolledToTheirFinalState() throws {
        let polling = ReceiptEndToEndTests.aliyun.replacingOccurrences(
            of: "settings:", with: "poll_receipts: { after: 1s, interval: 1s, per_second: 20 }\nsettings:")
        let gateway = try TestGateway(channels: ["sms-aliyun": polling])
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        let numbers = ["13800000001", "13800000002", "13800000003"]
        var ids: [String] = []
        for (index, number) in numbers.enumerated() {
            let answer = client.request(
                #"{"op":"send","channel":"sms-aliyun","to":"\#(number)","template":"SMS_1","params":{"code":"\#(index)"}}"#
            )
            ids.append(try #require(answer?["message_id"]?.stringValue))
        }
        var states: [String] = []
        for _ in 0..<150 {
            states = ids.map { id in
                client.request(#"{"op":"status","message_id":"\#(id)"}"#)?["message"]?["state"]?.stringValue ?? "?"
            }
            if states == ["delivered", "delivered", "failed"] { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(states == ["delivered", "delivered", "failed"])
        let stats = client.request(#"{"op":"stats"}"#)?["stats"]
        #expect((stats?["receipt_queries"]?.intValue ?? 0) >= 3)
        // Once final, a message is not asked about again.
        let queries = stats?["receipt_queries"]?.intValue ?? 0
        Thread.sleep(forTimeInterval: 1.5)
        #expect(client.request(#"{"op":"stats"}"#)?["stats"]?["receipt_queries"]?.intValue == queries)
        // Polled receipts count in /metrics like pushed ones, each once.
        let port = try #require(gateway.callbackPort)
        let page = String(decoding: try TestGateway.httpGet(port: port, path: "/metrics"), as: UTF8.self)
        let kept = #"channel_gateway_receipts_total{channel="sms-aliyun",event="#
        #expect(MetricsTests.value(page, kept + #""delivered"}"#) == 2)
        #expect(MetricsTests.value(page, kept + #""failed"}"#) == 1)
    }
}
