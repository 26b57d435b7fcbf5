import ChannelKit
import Foundation
import Testing

/// The `event` operation: the bank's own engagement signals, idempotent by event id, in the message's timeline.
@Suite(.serialized)
struct EventTests {
    @Test func eventsAreKeptOncePerIdAndJoinTheMessageTimeline() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let sent = client.request(
            #"{"op":"send","channel":"sms","to":"13800138000","template":"SMS_1","params":{"code":"1"}}"#)
        let messageID = try #require(sent?["message_id"]?.stringValue)

        let opened = #"{"op":"event","event_id":"app-open-1","message_id":"\#(messageID)","type":"opened"}"#
        #expect(client.request(opened)?["state"] == .string("recorded"))
        #expect(client.request(opened)?["state"] == .string("duplicate"))
        let converted =
            #"{"op":"event","event_id":"loan-7","customer":"C1","type":"converted","value":50000,"at":"2026-11-24T10:00:00Z"}"#
        #expect(client.request(converted)?["state"] == .string("recorded"))

        let unknown = client.request(#"{"op":"event","event_id":"x","message_id":"m_nope","type":"opened"}"#)
        #expect(unknown?["error"]?["code"] == .string("not_found"))
        // Any `[a-z][a-z0-9_]{0,63}` is the bank's own event name (strategies wait for it); others are refused.
        let custom = client.request(#"{"op":"event","event_id":"y","customer":"C1","type":"applied_loan"}"#)
        #expect(custom?["state"] == .string("recorded"))
        let badType = client.request(#"{"op":"event","event_id":"y2","customer":"C1","type":"Liked!"}"#)
        #expect(badType?["error"]?["field"] == .string("type"))
        let noSubject = client.request(#"{"op":"event","event_id":"z","type":"opened"}"#)
        #expect(noSubject?["error"]?["code"] == .string("bad_request"))

        let status = client.request(#"{"op":"status","message_id":"\#(messageID)"}"#)?["message"]
        guard case .array(let timeline)? = status?["receipts"] else {
            Issue.record("no timeline in \(String(describing: status))")
            return
        }
        #expect(timeline.map { $0["event"]?.stringValue ?? "" } == ["opened"])
    }
}
