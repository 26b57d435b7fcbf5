import ChannelKit
import Foundation
import Testing

/// `failover:` moves a message to a backup instance after a vendor-side failure, and never for a recipient-side
/// one; real `gatewayd` and `fakevendor`.
@Suite(.serialized)
struct FailoverTests {
    static func instance(path: String, failover: String?) -> String {
        GatewayEndToEndTests.smsChannel(path: path)
            .replacingOccurrences(of: "timeout: 5s", with: "timeout: 300ms")
            .replacingOccurrences(
                of: "retry: { attempts: 3, initial_backoff: 100ms, max_backoff: 1s }",
                with: "retry: { attempts: 2, initial_backoff: 50ms, max_backoff: 100ms }"
                    + (failover.map { "\nfailover: \($0)" } ?? ""))
    }

    @Test func aVendorThatNeverAnswersFailsOverToTheBackupButABadNumberDoesNot() throws {
        let gateway = try TestGateway(channels: [
            "primary": Self.instance(path: "/hang/send", failover: "backup"),
            "backup": Self.instance(path: "/sms/send", failover: nil),
            "strict": Self.instance(path: "/error/send", failover: "backup"),
        ])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        var ids: [String] = []
        for index in 0..<5 {
            let answer = client.request(
                #"{"op":"send","channel":"primary","to":"1380000000\#(index)","template":"SMS_1","#
                    + #""params":{"code":"fo\#(index)"}}"#)
            ids.append(try #require(answer?["message_id"]?.stringValue))
        }
        let rejected = client.request(
            #"{"op":"send","channel":"strict","to":"13800000009","template":"SMS_1","params":{"code":"bad"}}"#)
        let rejectedID = try #require(rejected?["message_id"]?.stringValue)

        var states: [String] = []
        for _ in 0..<200 {
            states = ids.map { id in
                client.request(#"{"op":"status","message_id":"\#(id)"}"#)?["message"]?["state"]?.stringValue ?? "?"
            }
            if states.allSatisfy({ $0 == "sent" }) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(states == Array(repeating: "sent", count: 5))
        let status = client.request(#"{"op":"status","message_id":"\#(ids[0])"}"#)?["message"]
        #expect(status?["channel"] == .string("backup"))
        guard case .array(let history)? = status?["history"] else {
            Issue.record("no history")
            return
        }
        // Two timed-out attempts on the primary (the request went out, so the first is ambiguous and, under the
        // default on_ambiguous: retry, resent; the second is recorded as failed over), then one send.
        #expect(history.map { $0["outcome"]?.stringValue ?? "" } == ["ambiguous", "failed_over", "sent"])
        #expect(history[1]["reason"] == .string("vendor_unavailable"))

        var rejectedState: JSONValue?
        for _ in 0..<100 {
            rejectedState = client.request(#"{"op":"status","message_id":"\#(rejectedID)"}"#)?["message"]
            if rejectedState?["state"] == .string("failed") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(rejectedState?["state"] == .string("failed"))
        #expect(rejectedState?["channel"] == .string("strict"))
        #expect(rejectedState?["reason"] == .string("invalid_recipient"))
        let channels = client.request(#"{"op":"channels"}"#)
        guard case .array(let list)? = channels?["channels"] else {
            Issue.record("no channels")
            return
        }
        let primary = list.first { $0["name"] == .string("primary") }
        #expect(primary?["failed_over"]?.intValue == 5)
        #expect(primary?["failed"]?.intValue == 0)
    }
}
