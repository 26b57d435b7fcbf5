import ChannelKit
import Foundation
import Testing

/// The core's access-token cache against a real `gatewayd` and `fakevendor` speaking each token vendor's API
/// (WeCom, the WeChat Official Account, HMS Push Kit): one token fetch however many sends wait, a refused token
/// (the stub refuses its first as expired) replaced once without spending an attempt, per-recipient results, and
/// no token or secret in any log line.
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
        for index in 0..<1000 {
            // Ten users share each text, so batches and the token cache are exercised together.
            batch.append(
                #"{"channel":"wecom-app","to":"user\#(index)","content":"月度账单已出 \#(index / 10)","#
                    + #""dedup_key":"bill-\#(index)"}"#)
        }
        batch.append(#"{"channel":"wecom-app","to":"ghost","content":"月度账单已出 0","dedup_key":"bill-ghost"}"#)
        let answer = client.request(#"{"op":"send_batch","messages":[\#(batch.joined(separator: ","))]}"#)
        guard case .array(let results)? = answer?["results"] else {
            Issue.record("no batch answer: \(String(describing: answer))")
            return
        }
        #expect(results.allSatisfy { $0["state"] == .string("queued") })
        let ghostID = try #require(results.last?["message_id"]?.stringValue)

        let stats = try gateway.waitForVendor(unique: 1000, timeout: 60)
        #expect(stats.unique == 1000)
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
        #expect(wecom["sent"]?.intValue == 1000)
        #expect(wecom["retried"]?.intValue == 0)
        #expect(!gateway.daemonLogs.contains("fv-token-"))
        #expect(!gateway.daemonLogs.contains("corp-secret-value"))
    }

    static let wechat = """
        type: wechat_oa
        vendor: template
        rate_limit: { per_second: 5000, burst: 1000 }
        retry: { attempts: 3, initial_backoff: 100ms, max_backoff: 1s }
        concurrency: 32
        settings:
          endpoint: VENDOR
          app_id: wx1234567890abcdef
          app_secret: env:OA_SECRET
        """

    static let huawei = """
        type: app_push
        vendor: huawei
        rate_limit: { per_second: 5000, burst: 1000 }
        retry: { attempts: 3, initial_backoff: 100ms, max_backoff: 1s }
        concurrency: 32
        settings:
          endpoint: VENDOR
          token_endpoint: VENDOR/oauth2/v3/token
          app_id: "104567890"
          client_secret: env:HMS_SECRET
        """

    /// Sends `lines` as one batch and waits until the vendor has seen `unique` recipients; the vendor's stats.
    static func blast(_ gateway: TestGateway, _ lines: [String], unique: Int) throws -> JSONValue {
        let client = try ControlClient(path: gateway.socketPath)
        let answer = client.request(#"{"op":"send_batch","messages":[\#(lines.joined(separator: ","))]}"#)
        guard case .array(let results)? = answer?["results"] else { throw TestFailure("no batch answer") }
        #expect(results.allSatisfy { $0["state"] == .string("queued") })
        #expect(try gateway.waitForVendor(unique: unique, timeout: 60).unique == unique)
        return try JSONParser.parse(try TestGateway.httpGet(port: gateway.vendorPort, path: "/stats"))
    }

    @Test func officialAccountTemplatesFetchOneStableTokenForAThousandSends() throws {
        let gateway = try TestGateway(channels: ["oa": Self.wechat])
        try gateway.startDaemon(environment: ["OA_SECRET": "oa-secret-value"])
        let lines = (0..<1000).map { index in
            #"{"channel":"oa","to":"oUpF8uMuAJO_M2pxb1Q9zNjWe\#(String(format: "%04d", index))","template":"TM01","#
                + #""params":{"amount":"\#(index)"}}"#
        }
        let stats = try Self.blast(gateway, lines, unique: 1000)
        #expect(stats["tokens"]?.intValue == 2)
        #expect(stats["duplicates"]?.intValue == 0)
        #expect(!gateway.daemonLogs.contains("fv-token-"))
        #expect(!gateway.daemonLogs.contains("oa-secret-value"))
    }

    @Test func hmsPushFetchesOneOAuthTokenForAThousandSends() throws {
        let gateway = try TestGateway(channels: ["hms": Self.huawei])
        try gateway.startDaemon(environment: ["HMS_SECRET": "hms-secret-value"])
        let lines = (0..<1000).map { index in
            #"{"channel":"hms","to":"IQAAAACy0kYjAAB\#(String(format: "%06d", index))token","title":"账户提醒","#
                + #""content":"入账 \#(index) 元"}"#
        }
        let stats = try Self.blast(gateway, lines, unique: 1000)
        #expect(stats["tokens"]?.intValue == 2)
        #expect(stats["duplicates"]?.intValue == 0)
        #expect(!gateway.daemonLogs.contains("fv-token-"))
        #expect(!gateway.daemonLogs.contains("hms-secret-value"))
    }
}
