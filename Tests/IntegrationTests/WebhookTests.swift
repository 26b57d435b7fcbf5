import ChannelKit
import Crypto
import Foundation
import Testing

/// The webhook outbox: every state change reaches the bank's CRM signed, retried through failures, and kept in
/// the store across a kill -9 until the CRM takes it. Real `gatewayd` and `fakevendor`.
@Suite(.serialized)
struct WebhookTests {
    static let secret = "crm-shared-secret"

    static func gatewayExtra(path: String) -> String {
        """
        webhook:
          url: VENDOR_BASE\(path)
          secret: env:CRM_SECRET
          batch_size: 7
          max_backoff: 1s
        """
    }

    /// Every event the CRM accepted, after checking each POST's signature; `(message id, state)` pairs.
    static func delivered(_ gateway: TestGateway) throws -> [String] {
        let text = (try? String(contentsOfFile: gateway.recordPath, encoding: .utf8)) ?? ""
        var events: [String] = []
        for line in text.split(separator: "\n") where line.hasPrefix("webhook\t") {
            let record = try JSONParser.parse(String(line.dropFirst("webhook\t".count)))
            guard let encoded = record["payload_base64"]?.stringValue, let raw = Data(base64Encoded: encoded),
                let timestamp = record["timestamp"]?.stringValue, let signature = record["signature"]?.stringValue
            else { continue }
            let body = String(decoding: raw, as: UTF8.self)
            let payload = try JSONParser.parse(body)
            let expected = HMAC<SHA256>.authenticationCode(
                for: Array((timestamp + "." + body).utf8), using: SymmetricKey(data: Array(secret.utf8)))
            #expect(signature == "sha256=" + expected.map { String(format: "%02x", $0) }.joined())
            guard case .array(let list)? = payload["events"] else { continue }
            for event in list {
                events.append("\(event["message_id"]?.stringValue ?? "?") \(event["state"]?.stringValue ?? "?")")
            }
        }
        return events
    }

    static func send(_ client: ControlClient, count: Int, tag: String) throws -> [String] {
        try (0..<count).map { index in
            let answer = client.request(
                #"{"op":"send","channel":"sms","to":"1380000\#(String(format: "%04d", index))","template":"SMS_1","#
                    + #""params":{"code":"\#(tag)\#(index)"}}"#)
            return try #require(answer?["message_id"]?.stringValue)
        }
    }

    static func waitFor(_ gateway: TestGateway, _ expected: Set<String>) throws -> Set<String> {
        var seen = Set(try delivered(gateway))
        for _ in 0..<150 where !expected.isSubset(of: seen) {
            Thread.sleep(forTimeInterval: 0.1)
            seen = Set(try delivered(gateway))
        }
        return seen
    }

    @Test func everyChangeArrivesSignedThroughFailures() throws {
        let gateway = try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel()],
            gatewayExtra: Self.gatewayExtra(path: "/webhook-flaky"))
        try gateway.fixVendorBase()
        try gateway.startDaemon(environment: ["CRM_SECRET": Self.secret])
        let client = try ControlClient(path: gateway.socketPath)
        let ids = try Self.send(client, count: 20, tag: "w")
        let expected = Set(ids.flatMap { ["\($0) queued", "\($0) sent"] })
        let seen = try Self.waitFor(gateway, expected)
        #expect(expected.isSubset(of: seen), "missing \(expected.subtracting(seen).sorted().prefix(5))")
        #expect((client.request(#"{"op":"stats"}"#)?["stats"]?["webhook_failures"]?.intValue ?? 0) >= 3)
    }

    @Test func changesWaitInTheStoreAcrossAKillUntilTheCRMTakesThem() throws {
        let gateway = try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel()], gatewayExtra: Self.gatewayExtra(path: "/webhook-down")
        )
        try gateway.fixVendorBase()
        try gateway.startDaemon(environment: ["CRM_SECRET": Self.secret])
        let client = try ControlClient(path: gateway.socketPath)
        let ids = try Self.send(client, count: 10, tag: "k")
        _ = try gateway.waitForVendor(unique: 10, timeout: 30)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try Self.delivered(gateway).isEmpty)
        gateway.daemon?.stop(signal: SIGKILL)
        // The CRM is back; the restarted daemon delivers what the killed one could not.
        let config = gateway.directory + "/gateway.yaml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try text.replacingOccurrences(of: "/webhook-down", with: "/webhook").write(
            toFile: config, atomically: true, encoding: .utf8)
        try gateway.startDaemon(environment: ["CRM_SECRET": Self.secret])
        let expected = Set(ids.flatMap { ["\($0) queued", "\($0) sent"] })
        let seen = try Self.waitFor(gateway, expected)
        #expect(expected.isSubset(of: seen), "missing \(expected.subtracting(seen).sorted().prefix(5))")
    }
}
