import ChannelKit
import Foundation
import Testing

/// Delivery receipts end to end: `gatewayd` sends through the `aliyun` SMS profile to `fakevendor`, then Alibaba's
/// SmsReport pushes reach the callback listener: delivered, failed, pushed twice, one before the send's reply and
/// one for a message nobody knows. Every message ends in the right state, and `report` and `/metrics` agree.
@Suite(.serialized)
struct ReceiptEndToEndTests {
    static let aliyun = """
        type: sms
        vendor: aliyun
        rate_limit: { per_second: 1000, burst: 1000 }
        retry: { attempts: 2, initial_backoff: 100ms, max_backoff: 1s }
        settings:
          endpoint: VENDOR/
          access_key_id: env:ALIYUN_AK
          access_key_secret: env:ALIYUN_SK
          sign_name: 示例银行
        """

    struct Placed {
        let bizID: String
        let outID: String
    }

    /// What the vendor handed out, by number (its record file is flushed every 200 ms).
    static func placed(_ gateway: TestGateway) -> [String: Placed] {
        let text = (try? String(contentsOfFile: gateway.recordPath, encoding: .utf8)) ?? ""
        var result: [String: Placed] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1)
            guard parts.count == 2, let record = try? JSONParser.parse(String(parts[1])),
                let biz = record["biz_id"]?.stringValue, let out = record["out_id"]?.stringValue
            else { continue }
            result[String(parts[0])] = Placed(bizID: biz, outID: out)
        }
        return result
    }

    static func report(phone: String, bizID: String, outID: String, success: Bool, code: String) -> String {
        #"{"phone_number":"\#(phone)","send_time":"2026-11-24 10:00:00","report_time":"2026-11-24 10:00:05","#
            + #""success":\#(success),"err_code":"\#(code)","err_msg":"x","sms_size":"1","biz_id":"\#(bizID)","out_id":"\#(outID)"}"#
    }

    /// A vendor that pipelines its pushes and then shuts its sending side (as a script with `curl --no-keepalive`
    /// or a batch job may) hears every 200: each answer waits for its commit, so the listener must not close the
    /// connection at the peer's end of stream while answers are still owed.
    @Test func aVendorThatPipelinesThenHalfClosesHearsEveryAnswer() throws {
        let gateway = try TestGateway(channels: ["sms-aliyun": Self.aliyun])
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let port = try #require(gateway.callbackPort)
        let descriptor = try #require(LoopbackTCP.connect(port: port))
        defer { close(descriptor) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let pushes = 40
        var requests: [UInt8] = []
        for index in 0..<pushes {
            let body = Array(
                ("["
                    + Self.report(
                        phone: "1380013\(1000 + index)", bizID: "hc-\(index)", outID: "", success: true,
                        code: "DELIVERED")
                    + "]").utf8)
            requests +=
                Array(
                    "POST /callbacks/sms-aliyun HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                        .utf8) + body
        }
        #expect(requests.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) } == requests.count)
        shutdown(descriptor, Int32(SHUT_WR))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            answer += buffer[0..<count]
        }
        let text = String(decoding: answer, as: UTF8.self)
        #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == pushes + 1, "\(text.prefix(300))")
    }

    @Test func everyMessageEndsInTheStateItsReceiptsSay() throws {
        let gateway = try TestGateway(channels: ["sms-aliyun": Self.aliyun])
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        let numbers = ["13800000001", "13800000002", "13800000003", "13800000004", "13800000999"]
        var ids: [String: String] = [:]
        for (index, number) in numbers.enumerated() {
            let answer = client.request(
                #"{"op":"send","channel":"sms-aliyun","to":"\#(number)","template":"SMS_1","params":{"code":"\#(index)"}}"#
            )
            ids[number] = try #require(answer?["message_id"]?.stringValue)
        }
        let port = try #require(gateway.callbackPort)
        // The slow number's receipt arrives before the gateway has the vendor's reply: matched by our OutId.
        let early = Self.report(
            phone: "13800000999", bizID: "unknown-yet", outID: ids["13800000999"]!, success: true, code: "DELIVERED")
        #expect(try TestGateway.httpPost(port: port, path: "/callbacks/sms-aliyun", body: "[\(early)]").status == 200)

        var placed = Self.placed(gateway)
        for _ in 0..<100 where placed.count < numbers.count {
            Thread.sleep(forTimeInterval: 0.1)
            placed = Self.placed(gateway)
        }
        #expect(placed.count == numbers.count)
        let delivered = Self.report(
            phone: "13800000001", bizID: placed["13800000001"]!.bizID, outID: "", success: true, code: "DELIVERED")
        let twice = Self.report(
            phone: "13800000002", bizID: placed["13800000002"]!.bizID, outID: "", success: true, code: "DELIVERED")
        let failed = Self.report(
            phone: "13800000003", bizID: placed["13800000003"]!.bizID, outID: "", success: false, code: "UNDELIV")
        let stranger = Self.report(
            phone: "13900000000", bizID: "fv-biz-nobody", outID: "", success: true, code: "DELIVERED")
        let answer = try TestGateway.httpPost(
            port: port, path: "/callbacks/sms-aliyun", body: "[\(delivered),\(twice),\(failed),\(stranger)]")
        #expect(answer.status == 200)
        #expect(answer.body == #"{"code":0,"msg":"接收成功"}"#)
        #expect(try TestGateway.httpPost(port: port, path: "/callbacks/sms-aliyun", body: "[\(twice)]").status == 200)

        func state(_ number: String) -> String? {
            client.request(#"{"op":"status","message_id":"\#(ids[number]!)"}"#)?["message"]?["state"]?.stringValue
        }
        var states: [String?] = []
        for _ in 0..<100 {
            states = numbers.map(state)
            if states == ["delivered", "delivered", "failed", "sent", "delivered"] { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(states == ["delivered", "delivered", "failed", "sent", "delivered"])
        let failure = client.request(#"{"op":"status","message_id":"\#(ids["13800000003"]!)"}"#)?["message"]
        #expect(failure?["reason"] == .string("invalid_recipient"))

        let stats = client.request(#"{"op":"stats"}"#)?["stats"]
        #expect(stats?["receipts"]?.intValue == 6)
        #expect(stats?["receipts_duplicate"]?.intValue == 1)
        #expect(stats?["receipts_unmatched"]?.intValue == 1)

        let report = client.request(#"{"op":"report","since":"1h"}"#)
        guard case .array(let channels)? = report?["channels"], let channel = channels.first else {
            Issue.record("no report: \(String(describing: report))")
            return
        }
        #expect(channel["sent"]?.intValue == 5)
        #expect(channel["delivered"]?.intValue == 3)
        #expect(channel["failed"]?["invalid_recipient"]?.intValue == 1)

        let page = String(decoding: try TestGateway.httpGet(port: port, path: "/metrics"), as: UTF8.self)
        // The repeated push of 0002 is counted apart, not as a second delivery.
        #expect(
            MetricsTests.value(page, #"channel_gateway_receipts_total{channel="sms-aliyun",event="delivered"}"#) == 4)
        #expect(MetricsTests.value(page, #"channel_gateway_receipts_total{channel="sms-aliyun",event="failed"}"#) == 1)
        #expect(MetricsTests.value(page, #"channel_gateway_receipts_duplicate_total{channel="sms-aliyun"}"#) == 1)
        #expect(MetricsTests.value(page, "channel_gateway_receipt_latency_seconds_count") == 2)
    }

    @Test func aStubVendorPushesReportsAndEveryMessageEndsRight() throws {
        let port = TestGateway.freePort()
        let gateway = try TestGateway(
            channels: ["sms-aliyun": Self.aliyun], gatewayExtra: "listen: 127.0.0.1:\(port)",
            vendorArguments: ["--report-to", "http://127.0.0.1:\(port)/callbacks/sms-aliyun"])
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        // 0002 is reported twice, 0003 fails, 0999 is reported before the vendor's reply arrives.
        let numbers = ["13800000001", "13800000002", "13800000003", "13800000004", "13800000999"]
        let ids = try numbers.enumerated().map { index, number in
            try #require(
                client.request(
                    #"{"op":"send","channel":"sms-aliyun","to":"\#(number)","template":"SMS_1","params":{"code":"\#(index)"}}"#
                )?["message_id"]?.stringValue)
        }
        let expected = ["delivered", "delivered", "failed", "delivered", "delivered"]
        var states: [String] = []
        for _ in 0..<150 {
            states = ids.map { id in
                client.request(#"{"op":"status","message_id":"\#(id)"}"#)?["message"]?["state"]?.stringValue ?? "?"
            }
            if states == expected { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(states == expected)
        // The repeated report of 0002 may still be on its way once every state is final: wait for it (bounded).
        var stats = client.request(#"{"op":"stats"}"#)?["stats"]
        for _ in 0..<100 where (stats?["receipts"]?.intValue ?? 0) < 6 {
            Thread.sleep(forTimeInterval: 0.1)
            stats = client.request(#"{"op":"stats"}"#)?["stats"]
        }
        #expect(stats?["receipts"]?.intValue == 6)
        #expect(stats?["receipts_duplicate"]?.intValue == 1)
        #expect(stats?["receipts_unmatched"]?.intValue == 0)
        let report = client.request(#"{"op":"report","since":"1h"}"#)
        guard case .array(let channels)? = report?["channels"], let channel = channels.first else {
            Issue.record("no report")
            return
        }
        #expect(channel["delivered"]?.intValue == 4)
        #expect(channel["failed"]?["invalid_recipient"]?.intValue == 1)
        let page = String(decoding: try TestGateway.httpGet(port: port, path: "/metrics"), as: UTF8.self)
        // The repeated push of 0002 is counted apart, not as a second delivery.
        #expect(
            MetricsTests.value(page, #"channel_gateway_receipts_total{channel="sms-aliyun",event="delivered"}"#) == 4)
        #expect(MetricsTests.value(page, #"channel_gateway_receipts_total{channel="sms-aliyun",event="failed"}"#) == 1)
        #expect(MetricsTests.value(page, #"channel_gateway_receipts_duplicate_total{channel="sms-aliyun"}"#) == 1)
    }
}
