import ChannelKit
import Foundation
import Testing

/// `/metrics` on the callback listener: Prometheus text whose counts match what the socket and the vendor saw.
@Suite(.serialized)
struct MetricsTests {
    /// The value of one sample line (`name{labels} value`), if present.
    static func value(_ page: String, _ series: String) -> Double? {
        for line in page.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func metricsCountSendsFailuresQueueDepthAndVendorLatency() throws {
        let gateway = try TestGateway(channels: [
            "sms": GatewayEndToEndTests.smsChannel(), "bad": GatewayEndToEndTests.smsChannel(path: "/error/send"),
        ])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        for index in 0..<30 {
            let channel = index < 25 ? "sms" : "bad"
            let answer = client.request(
                #"{"op":"send","channel":"\#(channel)","to":"1380000\#(String(format: "%04d", index))","#
                    + #""template":"SMS_1","params":{"code":"\#(index)"}}"#)
            #expect(answer?["state"] == .string("queued"))
        }
        #expect(client.request(#"{"op":"send","channel":"nowhere","to":"1","content":"x"}"#)?["ok"] == .bool(false))
        _ = try gateway.waitForVendor(unique: 30, timeout: 30)
        let port = try #require(gateway.callbackPort)
        var page = ""
        for _ in 0..<100 {
            page = String(decoding: try TestGateway.httpGet(port: port, path: "/metrics"), as: UTF8.self)
            if Self.value(page, #"channel_gateway_messages_total{channel="bad",state="failed"}"#) == 5 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(page.contains("# TYPE channel_gateway_messages_total counter"))
        #expect(Self.value(page, "channel_gateway_messages_accepted_total") == 30)
        #expect(Self.value(page, "channel_gateway_messages_rejected_total") == 1)
        #expect(Self.value(page, #"channel_gateway_messages_total{channel="sms",state="sent"}"#) == 25)
        #expect(Self.value(page, #"channel_gateway_messages_total{channel="bad",state="failed"}"#) == 5)
        #expect(Self.value(page, #"channel_gateway_failures_total{channel="bad",reason="invalid_recipient"}"#) == 5)
        #expect(Self.value(page, #"channel_gateway_queue_depth{channel="sms"}"#) == 0)
        #expect(Self.value(page, #"channel_gateway_vendor_request_seconds_bucket{le="+Inf"}"#) == 30)
        #expect(Self.value(page, "channel_gateway_vendor_request_seconds_count") == 30)
        #expect(page.contains("# TYPE channel_gateway_receipt_latency_seconds histogram"))
    }
}
