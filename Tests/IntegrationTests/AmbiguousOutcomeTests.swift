import ChannelKit
import Foundation
import Testing

/// Vendors that took the request but whose answer the gateway cannot have: a 200 too large to read, no answer
/// before the timeout, or no one listening at all. Each message must reach the vendor as often as its
/// instance's policy says, and `status` and `/metrics` must say what happened.
@Suite(.serialized)
struct AmbiguousOutcomeTests {
    /// Sends `count` messages to `channel`; their ids.
    static func sendMany(_ client: ControlClient, channel: String, count: Int) throws -> [String] {
        try (0..<count).map { index in
            let answer = client.request(
                #"{"op":"send","channel":"\#(channel)","to":"1390000\#(String(format: "%04d", index))","#
                    + #""template":"SMS_1","params":{"code":"\#(index)"}}"#)
            return try #require(answer?["message_id"]?.stringValue)
        }
    }

    /// The message's history entries.
    static func history(_ message: JSONValue) -> [JSONValue] {
        guard case .array(let entries)? = message["history"] else { return [] }
        return entries
    }

    /// The `/metrics` page, once `series` reads `expected` (bounded wait); the last page read otherwise.
    static func metrics(_ gateway: TestGateway, until series: String, is expected: Double) throws -> String {
        let port = try #require(gateway.callbackPort)
        var page = ""
        for _ in 0..<100 {
            page = String(decoding: try TestGateway.httpGet(port: port, path: "/metrics"), as: UTF8.self)
            if MetricsTests.value(page, series) == expected { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return page
    }

    /// `promtool check metrics` on the page, when promtool is installed.
    static func promtoolProblems(_ page: String) throws -> String? {
        let promtool = "/usr/bin/promtool"
        guard FileManager.default.isExecutableFile(atPath: promtool) else { return nil }
        let check = try ObservabilityTests.promtoolCheck(promtool, page)
        return check.status == 0 ? nil : check.output
    }

    @Test(arguments: ["/big/send", "/big-chunked/send"])
    func anOversized200IsSentOnceAndNeverResent(path: String) throws {
        let gateway = try TestGateway(channels: ["big": GatewayEndToEndTests.smsChannel(path: path)])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let ids = try Self.sendMany(client, channel: "big", count: 2)
        for id in ids {
            let message = try #require(FailureModeTests.waitForFinalState(client, id))
            #expect(message["state"]?.stringValue == "sent")
            #expect(message["attempts"]?.intValue == 1)
            #expect(message["vendor_message_id"] == nil || message["vendor_message_id"] == .null)
            let history = Self.history(message)
            #expect(history.count == 1)
            #expect(history.first?["outcome"]?.stringValue == "sent")
            #expect(history.first?["http_status"]?.intValue == 200)
            #expect(history.first?["detail"]?.stringValue == "2xx with unreadable reply: body over 1048576 bytes")
        }
        let page = try Self.metrics(
            gateway, until: #"channel_gateway_unreadable_replies_total{channel="big"}"#, is: 2)
        #expect(MetricsTests.value(page, #"channel_gateway_unreadable_replies_total{channel="big"}"#) == 2)
        #expect(MetricsTests.value(page, #"channel_gateway_messages_total{channel="big",state="sent"}"#) == 2)
        #expect(MetricsTests.value(page, #"channel_gateway_retries_total{channel="big"}"#) == 0)
        #expect(MetricsTests.value(page, #"channel_gateway_ambiguous_total{channel="big"}"#) == 0)
        // Exactly one vendor request per message: before, 2 messages cost 6.
        let stats = try gateway.vendorStats()
        #expect(stats.received == 2)
        #expect(stats.duplicates == 0)
    }

    @Test func noAnswerAfterTheRequestWasReadFailsWithoutAResendUnderOnAmbiguousFail() throws {
        let hang = GatewayEndToEndTests.smsChannel(path: "/hang/send", extra: "on_ambiguous: fail\nfailover: backup")
            .replacingOccurrences(of: "timeout: 5s", with: "timeout: 300ms")
        let gateway = try TestGateway(channels: ["hang": hang, "backup": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let ids = try Self.sendMany(client, channel: "hang", count: 3)
        for id in ids {
            let message = try #require(FailureModeTests.waitForFinalState(client, id))
            #expect(message["state"]?.stringValue == "failed")
            #expect(message["channel"]?.stringValue == "hang")
            #expect(message["attempts"]?.intValue == 1)
            #expect(message["reason"]?.stringValue == "vendor_unavailable")
            #expect(
                message["reason_detail"]?.stringValue
                    == "sent, no answer (timeout after 300 ms): not resent (on_ambiguous: fail)")
            let history = Self.history(message)
            #expect(history.count == 1)
            #expect(history.first?["outcome"]?.stringValue == "ambiguous")
            #expect(history.first?["http_status"] == .null)
        }
        let page = try Self.metrics(gateway, until: #"channel_gateway_ambiguous_total{channel="hang"}"#, is: 3)
        #expect(MetricsTests.value(page, #"channel_gateway_ambiguous_total{channel="hang"}"#) == 3)
        #expect(MetricsTests.value(page, #"channel_gateway_messages_total{channel="hang",state="failed"}"#) == 3)
        // Failing over would resend what the vendor may have: it must not happen.
        #expect(MetricsTests.value(page, #"channel_gateway_messages_total{channel="hang",state="failed_over"}"#) == 0)
        #expect(MetricsTests.value(page, #"channel_gateway_messages_total{channel="backup",state="sent"}"#) == 0)
        #expect(MetricsTests.value(page, #"channel_gateway_retries_total{channel="hang"}"#) == 0)
        let problems = try Self.promtoolProblems(page)
        #expect(problems == nil, "promtool check metrics: \(problems ?? "")")
        let stats = try gateway.vendorStats()
        #expect(stats.received == 3)
        #expect(stats.duplicates == 0)
    }

    @Test func aLateAnswerIsResentUnderOnAmbiguousRetry() throws {
        // No on_ambiguous key: the default is retry.
        let late = GatewayEndToEndTests.smsChannel(path: "/late/send")
            .replacingOccurrences(of: "timeout: 5s", with: "timeout: 300ms")
        let gateway = try TestGateway(channels: ["late": late])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let id = try #require(try Self.sendMany(client, channel: "late", count: 1).first)
        let message = try #require(FailureModeTests.waitForFinalState(client, id))
        #expect(message["state"]?.stringValue == "failed")
        #expect(message["attempts"]?.intValue == 3)
        #expect(message["reason_detail"]?.stringValue == "sent, no answer (timeout after 300 ms) (after 3 attempts)")
        let history = Self.history(message)
        #expect(history.count == 3)
        #expect(history.allSatisfy { $0["outcome"]?.stringValue == "ambiguous" })
        let page = try Self.metrics(gateway, until: #"channel_gateway_ambiguous_total{channel="late"}"#, is: 3)
        #expect(MetricsTests.value(page, #"channel_gateway_ambiguous_total{channel="late"}"#) == 3)
        #expect(MetricsTests.value(page, #"channel_gateway_retries_total{channel="late"}"#) == 2)
        // The price of retry: the vendor accepted every one of the three.
        let stats = try gateway.vendorStats()
        #expect(stats.received == 3)
        #expect(stats.unique == 1)
    }

    @Test func aRefusedConnectionIsRetriedFreelyAndNeverAmbiguous() throws {
        let port = TestGateway.freePort()
        let down = GatewayEndToEndTests.smsChannel(extra: "on_ambiguous: fail")
            .replacingOccurrences(of: "VENDOR/sms/send", with: "http://127.0.0.1:\(port)/sms/send")
        let gateway = try TestGateway(channels: ["down": down])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let ids = try Self.sendMany(client, channel: "down", count: 2)
        for id in ids {
            let message = try #require(FailureModeTests.waitForFinalState(client, id))
            // Nothing was written, so even on_ambiguous: fail resends it.
            #expect(message["state"]?.stringValue == "failed")
            #expect(message["attempts"]?.intValue == 3)
            #expect(message["reason"]?.stringValue == "vendor_unavailable")
            #expect(message["reason_detail"]?.stringValue == "connection refused (after 3 attempts)")
            let outcomes = Self.history(message).compactMap { $0["outcome"]?.stringValue }
            #expect(outcomes == ["retry", "retry", "failed"])
        }
        let page = try Self.metrics(
            gateway, until: #"channel_gateway_messages_total{channel="down",state="failed"}"#, is: 2)
        #expect(MetricsTests.value(page, #"channel_gateway_retries_total{channel="down"}"#) == 4)
        #expect(MetricsTests.value(page, #"channel_gateway_ambiguous_total{channel="down"}"#) == 0)
    }

    @Test func anUnansweredSendIsAskedAboutBeforeAnyResend() throws {
        // poll_receipts: the vendor has a query API (QuerySendDetails) and queries are allowed. Even under
        // on_ambiguous: fail, a send the vendor confirms it never got is resent.
        let channel = ReceiptEndToEndTests.aliyun
            .replacingOccurrences(of: "attempts: 2", with: "attempts: 3")
            .replacingOccurrences(
                of: "settings:",
                with: "timeout: 300ms\non_ambiguous: fail\npoll_receipts: { after: 1h }\nsettings:")
        let gateway = try TestGateway(channels: ["sms-aliyun": channel])
        try gateway.startDaemon(environment: ["ALIYUN_AK": "test-ak", "ALIYUN_SK": "test-sk"])
        let client = try ControlClient(path: gateway.socketPath)
        // 998: Alibaba takes it and never answers. 997: the first send is lost, unanswered and unrecorded.
        var ids: [String: String] = [:]
        for number in ["13800000998", "13800000997"] {
            let answer = client.request(
                #"{"op":"send","channel":"sms-aliyun","to":"\#(number)","template":"SMS_1","params":{"code":"1"}}"#)
            ids[number] = try #require(answer?["message_id"]?.stringValue)
        }
        let takenID = try #require(ids["13800000998"])
        let lostID = try #require(ids["13800000997"])
        let taken = try #require(FailureModeTests.waitForFinalState(client, takenID))
        #expect(taken["state"]?.stringValue == "sent")
        #expect(taken["attempts"]?.intValue == 1)
        #expect(taken["reason_detail"]?.stringValue == "sent, no answer; the vendor has it: not resent")
        #expect(
            Self.history(taken).map { $0["outcome"]?.stringValue ?? "?" } == ["ambiguous", "sent"])
        #expect(
            Self.history(taken).first?["detail"]?.stringValue
                == "sent, no answer (timeout after 300 ms): asking the vendor before any resend")

        let lost = try #require(FailureModeTests.waitForFinalState(client, lostID))
        #expect(lost["state"]?.stringValue == "sent")
        #expect(lost["attempts"]?.intValue == 2)
        #expect(lost["vendor_message_id"]?.stringValue?.hasPrefix("fv-biz-") == true)
        #expect(Self.history(lost).map { $0["outcome"]?.stringValue ?? "?" } == ["ambiguous", "sent"])

        let page = try Self.metrics(
            gateway, until: #"channel_gateway_messages_total{channel="sms-aliyun",state="sent"}"#, is: 2)
        #expect(MetricsTests.value(page, #"channel_gateway_ambiguous_total{channel="sms-aliyun"}"#) == 2)
        #expect(
            MetricsTests.value(page, #"channel_gateway_send_checks_total{channel="sms-aliyun",result="found"}"#) == 1)
        #expect(
            MetricsTests.value(page, #"channel_gateway_send_checks_total{channel="sms-aliyun",result="not_found"}"#)
                == 1)
        let problems = try Self.promtoolProblems(page)
        #expect(problems == nil, "promtool check metrics: \(problems ?? "")")
        // The taken one reached Alibaba once; the lost one twice (the first never counted by Alibaba).
        let stats = try JSONParser.parse(try TestGateway.httpGet(port: gateway.vendorPort, path: "/stats"))
        #expect(stats["received"]?.intValue == 3)
        #expect(stats["send_checks"]?.intValue == 2)
    }
}
