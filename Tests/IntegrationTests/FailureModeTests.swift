import ChannelKit
import Foundation
import Testing

/// Vendors misbehaving: 503 then 200, 200 with an error body, no answer at all.
@Suite(.serialized)
struct FailureModeTests {
    static func waitForFinalState(_ client: ControlClient, _ messageID: String, timeout: TimeInterval = 30)
        -> JSONValue?
    {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if let answer = client.request(#"{"op":"status","message_id":"\#(messageID)"}"#),
                let message = answer["message"], message["state"]?.stringValue != "queued"
            {
                return message
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    static func send(_ client: ControlClient, channel: String) -> String? {
        client.request(
            #"{"op":"send","channel":"\#(channel)","to":"13800138000","template":"SMS_1","params":{"code":"9"}}"#
        )?["message_id"]?.stringValue
    }

    @Test func retriesA503ThenRecordsTheSend() throws {
        let gateway = try TestGateway(channels: ["flaky": GatewayEndToEndTests.smsChannel(path: "/flaky/send")])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let id = try #require(Self.send(client, channel: "flaky"))
        let message = try #require(Self.waitForFinalState(client, id))
        #expect(message["state"]?.stringValue == "sent")
        #expect(message["attempts"]?.intValue == 2)
        guard case .array(let history)? = message["history"] else {
            Issue.record("no history")
            return
        }
        #expect(history.count == 2)
        #expect(history.first?["outcome"]?.stringValue == "retry")
        #expect(history.first?["http_status"]?.intValue == 503)
        #expect(history.first?["reason"]?.stringValue == "vendor_unavailable")
        #expect(history.last?["outcome"]?.stringValue == "sent")
        #expect(message["vendor_message_id"]?.stringValue?.hasPrefix("fv-") == true)
    }

    @Test func a200WithAnErrorBodyIsAFailureNotASend() throws {
        let gateway = try TestGateway(channels: ["broken": GatewayEndToEndTests.smsChannel(path: "/error/send")])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let id = try #require(Self.send(client, channel: "broken"))
        let message = try #require(Self.waitForFinalState(client, id))
        #expect(message["state"]?.stringValue == "failed")
        #expect(message["reason"]?.stringValue == "invalid_recipient")
        #expect(message["attempts"]?.intValue == 1)
        guard case .array(let history)? = message["history"] else {
            Issue.record("no history")
            return
        }
        #expect(history.first?["vendor_code"]?.stringValue == "isv.MOBILE_NUMBER_ILLEGAL")
        #expect(history.first?["http_status"]?.intValue == 200)
    }

    @Test func aVendorThatNeverAnswersTimesOutIsRetriedAndFails() throws {
        let channel = GatewayEndToEndTests.smsChannel(path: "/hang/send")
            .replacingOccurrences(of: "timeout: 5s", with: "timeout: 300ms")
        let gateway = try TestGateway(channels: ["hang": channel])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let id = try #require(Self.send(client, channel: "hang"))
        let message = try #require(Self.waitForFinalState(client, id))
        #expect(message["state"]?.stringValue == "failed")
        #expect(message["reason"]?.stringValue == "vendor_unavailable")
        #expect(message["attempts"]?.intValue == 3)
        guard case .array(let history)? = message["history"] else {
            Issue.record("no history")
            return
        }
        #expect(history.count == 3)
        #expect(history.allSatisfy { $0["detail"]?.stringValue?.contains("timeout") == true })
        #expect(history.allSatisfy { $0["http_status"] == .null })
    }
}
