import ChannelKit
import Foundation
import Testing

/// The core's access-token cache against a real `gatewayd` and `fakevendor` speaking WeCom's token and app
/// message API: one token fetch however many sends wait, a refused token replaced once without spending an
/// attempt, per-recipient results from a batched request, and no token in any log line.
@Suite(.serialized)
struct TokenEndToEndTests {
    static let wecom = """
        type: wecom
        vendor: app
        rate_limit: { per_second: 1000, burst: 1000 }
        retry: { attempts: 3, initial_backoff: 100ms, max_backoff: 1s }
        concurrency: 8
        settings:
          endpoint: VENDOR
          corp_id: ww1234567890abcdef
          corp_secret: env:WECOM_CORP_SECRET
          agent_id: 1000002
          msgtype: text
        """

    @Test func oneTokenServesABatchedBlastAndAnExpiredTokenIsReplacedOnce() throws {
        let gateway = try TestGateway(channels: ["wecom-app": Self.wecom], logLevel: "debug")
        try gateway.startDaemon(environment: ["WECOM_CORP_SECRET": "corp-secret-value"])
        let client = try ControlClient(path: gateway.socketPath)
        var batch: [String] = []
        for index in 0..<100 {
            batch.append(
                #"{"channel":"wecom-app","to":"user\#(index)","content":"月度账单已出","dedup_key":"bill-\#(index)"}"#)
        }
        batch.append(#"{"channel":"wecom-app","to":"ghost","content":"月度账单已出","dedup_key":"bill-ghost"}"#)
        let answer = client.request(#"{"op":"send_batch","messages":[\#(batch.joined(separator: ","))]}"#)
        guard case .array(let results)? = answer?["results"] else {
            Issue.record("no batch answer: \(String(describing: answer))")
            return
        }
        #expect(results.allSatisfy { $0["state"] == .string("queued") })
        let ghostID = try #require(results.last?["message_id"]?.stringValue)

        let stats = try gateway.waitForVendor(unique: 100, timeout: 30)
        #expect(stats.unique == 100)
        #expect(stats.duplicates == 0)
        let vendor = try JSONParser.parse(try TestGateway.httpGet(port: gateway.vendorPort, path: "/stats"))
        // fv-token-1 is refused as expired (42001) on first use; fv-token-2 carries everything.
        #expect(vendor["tokens"]?.intValue == 2)

        var ghost: JSONValue?
        for _ in 0..<100 {
            ghost = client.request(#"{"op":"status","message_id":"\#(ghostID)"}"#)?["message"]
            if ghost?["state"] == .string("failed") { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(ghost?["state"] == .string("failed"))
        #expect(ghost?["reason"] == .string("invalid_recipient"))
        guard case .array(let history)? = ghost?["history"] else {
            Issue.record("no history")
            return
        }
        #expect(history.count == 1)  // the refused token cost no attempt

        let channels = client.request(#"{"op":"channels"}"#)
        guard case .array(let list)? = channels?["channels"], let wecom = list.first else {
            Issue.record("no channels")
            return
        }
        #expect(wecom["token_refreshes"]?.intValue == 2)
        #expect(wecom["sent"]?.intValue == 100)
        #expect(wecom["retried"]?.intValue == 0)
        #expect(!gateway.daemonLogs.contains("fv-token-"))
        #expect(!gateway.daemonLogs.contains("corp-secret-value"))
    }
}
