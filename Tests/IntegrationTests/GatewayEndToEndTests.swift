import ChannelKit
import Foundation
import Testing

/// End to end: real `gatewayd` and `fakevendor` processes, messages over the real control socket.
@Suite(.serialized)
struct GatewayEndToEndTests {
    static func smsChannel(path: String = "/sms/send", perSecond: Int = 100_000, extra: String = "") -> String {
        """
        type: sms
        vendor: http
        rate_limit: { per_second: \(perSecond), burst: \(min(perSecond, 1000)) }
        retry: { attempts: 3, initial_backoff: 100ms, max_backoff: 1s }
        timeout: 5s
        concurrency: 32
        \(extra)
        settings:
          url: VENDOR\(path)
          headers: { Content-Type: application/json }
          body: '{"to":"{{to}}","template":"{{template}}","params":{"code":"{{params.code}}"},"ref":"{{message_id}}"}'
          success: { json_path: $.code, equals: OK }
          message_id_path: $.msgid
          detail_path: $.message
          code_reasons: { isv.MOBILE_NUMBER_ILLEGAL: invalid_recipient }
        """
    }

    /// Sends `count` distinct messages pipelined on one connection; returns message id → (to, code).
    static func sendMany(_ client: ControlClient, count: Int, tag: String) -> [String: (String, String)] {
        var expected: [Int: (String, String)] = [:]
        let writer = Thread {
            var batch = ""
            for index in 0..<count {
                let to = "1380\(String(format: "%07d", index))"
                let code = "\(tag)\(index)"
                batch +=
                    #"{"op":"send","id":\#(index),"channel":"sms","to":"\#(to)","template":"SMS_1","#
                    + #""params":{"code":"\#(code)"},"dedup_key":"\#(tag)-\#(index)"}"# + "\n"
                if batch.utf8.count > 60_000 {
                    client.write(Array(batch.utf8))
                    batch = ""
                }
            }
            client.write(Array(batch.utf8))
        }
        for index in 0..<count { expected[index] = ("1380\(String(format: "%07d", index))", "\(tag)\(index)") }
        writer.start()
        var acknowledged: [String: (String, String)] = [:]
        for _ in 0..<count {
            guard let line = client.readLine(), let answer = try? JSONParser.parse(line),
                answer["ok"] == .bool(true), let id = answer["id"]?.intValue,
                let messageID = answer["message_id"]?.stringValue
            else { break }
            acknowledged[messageID] = expected[id]
        }
        return acknowledged
    }

    @Test func twentyThousandMessagesReachTheVendorExactlyOnceWithCorrectBodies() throws {
        let gateway = try TestGateway(channels: ["sms": Self.smsChannel()])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let acknowledged = Self.sendMany(client, count: 20_000, tag: "a")
        #expect(acknowledged.count == 20_000)
        let stats = try gateway.waitForVendor(unique: 20_000)
        #expect(stats.unique == 20_000)
        #expect(stats.duplicates == 0)
        // Group commit: 20,000 inserts plus 20,000 attempt records, one transaction each, would be 40,000
        // commits; grouped, pipelined sends and outcomes share far fewer.
        let daemonStats = try #require(ControlClient(path: gateway.socketPath).request(#"{"op":"stats"}"#)?["stats"])
        let commits = try #require(daemonStats["store_commits"]?.intValue)
        print("20,000 accepted and sent in \(commits) store commits")
        #expect(commits < 10_000)
        gateway.daemon?.stop()
        let record = try gateway.stopVendorAndReadRecord()
        var wrong = 0
        for (messageID, (to, code)) in acknowledged {
            guard let bodies = record[messageID], bodies.count == 1,
                let body = try? JSONParser.parse(bodies[0]),
                body["to"]?.stringValue == to, body["params"]?["code"]?.stringValue == code,
                body["template"]?.stringValue == "SMS_1"
            else {
                wrong += 1
                continue
            }
        }
        #expect(wrong == 0)
    }

    /// Queues 20,000 messages on an instance limited to 2,000/s, lets dispatch run 1.5 s, then sends `signal`
    /// (so the run is still going when it lands). Returns the gateway, the acknowledged messages and the status.
    static func interruptedRun(
        signal: Int32, tag: String
    ) throws -> (TestGateway, [String: (String, String)], Int32) {
        let gateway = try TestGateway(channels: ["sms": smsChannel(perSecond: 2000)])
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let acknowledged = sendMany(client, count: 20_000, tag: tag)
        #expect(acknowledged.count == 20_000)
        Thread.sleep(forTimeInterval: 1.5)
        let status = gateway.daemon?.stop(signal: signal) ?? -1
        return (gateway, acknowledged, status)
    }

    @Test func sigtermMidRunThenRestartLosesAndDoublesNothing() throws {
        let (gateway, acknowledged, status) = try Self.interruptedRun(signal: SIGTERM, tag: "t")
        #expect(status == 0)
        let midway = try gateway.vendorStats()
        #expect(midway.unique > 0 && midway.unique < 20_000)
        try gateway.startDaemon()
        let stats = try gateway.waitForVendor(unique: 20_000)
        #expect(stats.unique == 20_000)
        #expect(stats.duplicates == 0)
        gateway.daemon?.stop()
        let record = try gateway.stopVendorAndReadRecord()
        #expect(acknowledged.keys.allSatisfy { record[$0]?.count == 1 })
    }

    @Test func killDashNineMidRunThenRestartDeliversEveryAcknowledgedMessage() throws {
        let (gateway, acknowledged, _) = try Self.interruptedRun(signal: SIGKILL, tag: "k")
        let midway = try gateway.vendorStats()
        try gateway.startDaemon()
        let stats = try gateway.waitForVendor(unique: 20_000)
        gateway.daemon?.stop()
        let record = try gateway.stopVendorAndReadRecord()
        let missing = acknowledged.keys.filter { record[$0] == nil }.count
        let doubled = acknowledged.keys.filter { (record[$0]?.count ?? 0) > 1 }.count
        print(
            "kill -9 at \(midway.unique) delivered: \(missing) acknowledged messages missing, \(doubled) arrived twice")
        #expect(missing == 0)
        #expect(stats.unique == 20_000)
        // Only transfers in flight (concurrency 32) or awaiting their outcome's commit may repeat.
        #expect(doubled <= 64)
    }
}
