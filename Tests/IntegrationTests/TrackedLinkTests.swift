import ChannelKit
import Foundation
import Testing

/// `track_links: true`: each link in the content becomes `<public_base_url>/t/<token>`; a click is counted and
/// redirected to the original. Real `gatewayd` and `fakevendor`.
@Suite(.serialized)
struct TrackedLinkTests {
    static let textChannel = """
        type: sms
        vendor: http
        rate_limit: { per_second: 1000, burst: 1000 }
        settings:
          url: VENDOR/sms/send
          headers: { Content-Type: application/json }
          body: '{"to":"{{to}}","content":"{{content}}","ref":"{{message_id}}"}'
          success: { json_path: $.code, equals: OK }
          message_id_path: $.msgid
        """

    @Test func aTrackedLinkClickedTwiceIsOneClickedStateWithCountTwoAndBothRedirect() throws {
        let gateway = try TestGateway(
            channels: ["sms": Self.textChannel], gatewayExtra: "public_base_url: https://t.bank.example/")
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let original = "https://bank.example/bill?id=7&m=11"
        let answer = client.request(
            #"{"op":"send","channel":"sms","to":"13800138000","content":"您的账单 \#(original)。谢谢","track_links":true}"#)
        let messageID = try #require(answer?["message_id"]?.stringValue)
        #expect(try gateway.waitForVendor(unique: 1, timeout: 30).unique == 1)
        let record = try gateway.stopVendorAndReadRecord()
        let body = try #require(record[messageID]?.first)
        #expect(!body.contains("bank.example/bill"))
        let link = try #require(body.firstMatch(of: #/https://t\.bank\.example/t/([A-Za-z0-9_-]{22})/#))
        let token = String(link.1)
        #expect(body.contains("。谢谢"))  // the sentence's punctuation stays outside the link

        let port = try #require(gateway.callbackPort)
        for _ in 0..<2 {
            let reply = try TestGateway.httpGetRaw(port: port, path: "/t/" + token)
            #expect(reply.hasPrefix("HTTP/1.0 302") || reply.hasPrefix("HTTP/1.1 302"), "\(reply)")
            #expect(
                reply.contains("location: \(original)\r\n") || reply.contains("Location: \(original)\r\n"), "\(reply)")
        }
        #expect(try TestGateway.httpGetRaw(port: port, path: "/t/AAAAAAAAAAAAAAAAAAAAAA").contains(" 404 "))

        let status = client.request(#"{"op":"status","message_id":"\#(messageID)"}"#)?["message"]
        #expect(status?["clicks"]?.intValue == 2)
        #expect(status?["first_clicked_at"]?.stringValue != nil)
        guard case .array(let timeline)? = status?["receipts"] else {
            Issue.record("no timeline")
            return
        }
        #expect(timeline.map { $0["event"]?.stringValue ?? "" } == ["clicked"])

        let untracked = client.request(
            #"{"op":"send","channel":"sms","to":"13800138001","content":"x https://a.example","track_links":"yes"}"#)
        #expect(untracked?["error"]?["field"] == .string("track_links"))
    }
}
