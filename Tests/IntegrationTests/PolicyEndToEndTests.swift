import ChannelKit
import Foundation
import Synchronization
import Testing

/// Opt-outs, frequency caps and quiet hours against a real `gatewayd`, `fakevendor` and `gatewayctl`.
@Suite(.serialized)
struct PolicyEndToEndTests {
    /// The SMS channel of the end-to-end suite, taking Alibaba-style SmsUp replies at `/callbacks/sms`.
    static let smsWithReplies =
        GatewayEndToEndTests.smsChannel(extra: "") + """

              mo: { items_path: $, from_path: $.phone_number, text_path: $.content, id_path: $.sequence_id }
            """

    static func send(_ client: ControlClient, category: String, to: String, customer: String?, key: String)
        -> JSONValue?
    {
        let customerField = customer.map { #","customer":"\#($0)""# } ?? ""
        return client.request(
            #"{"op":"send","channel":"sms","to":"\#(to)","template":"SMS_1","params":{"code":"\#(key)"},"#
                + #""category":"\#(category)","dedup_key":"\#(key)"\#(customerField)}"#)
    }

    @Test func tenConcurrentClientsAtOneCustomerPassExactlyTheCap() throws {
        let gateway = try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel()],
            gatewayExtra: """
                frequency_caps:
                  marketing:
                    - { name: weekly-3, max: 3, per: 7d }
                """)
        try gateway.startDaemon()
        let socketPath = gateway.socketPath
        let states = Mutex<[String]>([])
        let done = DispatchGroup()
        for client in 0..<10 {
            done.enter()
            Thread {
                defer { done.leave() }
                guard let connection = try? ControlClient(path: socketPath) else { return }
                for index in 0..<5 {
                    let answer = Self.send(
                        connection, category: "marketing", to: "1390000\(String(format: "%04d", client * 10 + index))",
                        customer: "CUST-42", key: "blast-\(client)-\(index)")
                    let state = answer?["state"]?.stringValue ?? "error"
                    let cap = answer?["cap"]?.stringValue.map { ":" + $0 } ?? ""
                    states.withLock { $0.append(state + cap) }
                }
            }.start()
        }
        #expect(done.wait(timeout: .now() + 60) == .success)
        let seen = states.withLock { $0 }
        #expect(seen.count == 50)
        #expect(seen.filter { $0 == "queued" }.count == 3, "\(seen)")
        #expect(seen.filter { $0 == "suppressed:weekly-3" }.count == 47, "\(seen)")
        // Exactly three reach the vendor, and a transactional notice to the same customer is not capped.
        let client = try ControlClient(path: gateway.socketPath)
        #expect(
            Self.send(client, category: "transactional", to: "13900000099", customer: "CUST-42", key: "notice")?[
                "state"] == .string("queued"))
        let stats = try gateway.waitForVendor(unique: 4, timeout: 30)
        Thread.sleep(forTimeInterval: 0.5)
        #expect(stats.unique == 4)
        #expect(try gateway.vendorStats().received == 4)
        #expect(client.request(#"{"op":"stats"}"#)?["stats"]?["suppressed"]?.intValue == 47)
    }

    @Test func anSMSReplyOptsTheNumberOutOfMarketingButACriticalMessageStillGoes() throws {
        let gateway = try TestGateway(channels: ["sms": Self.smsWithReplies])
        try gateway.startDaemon()
        let port = try #require(gateway.callbackPort)
        // Alibaba's SmsUp push: a JSON array of replies (vendors.md 2.1.7).
        let reply = """
            [{"phone_number":"13800138000","send_time":"2026-11-24 10:00:00","content":" td ","sign_name":"示例银行",\
            "dest_code":"","sequence_id":1234567}]
            """
        let answer = try TestGateway.httpPost(port: port, path: "/callbacks/sms", body: reply)
        #expect(answer.status == 200)
        #expect(answer.body == #"{"code":0,"msg":"接收成功"}"#)
        // Bad callbacks are refused and change nothing.
        #expect(try TestGateway.httpPost(port: port, path: "/callbacks/sms", body: "{not json").status == 400)
        #expect(try TestGateway.httpPost(port: port, path: "/callbacks/nowhere", body: "[]").status == 404)

        let client = try ControlClient(path: gateway.socketPath)
        let marketing = Self.send(client, category: "marketing", to: "+8613800138000", customer: nil, key: "promo-1")
        #expect(marketing?["state"] == .string("suppressed"))
        #expect(marketing?["reason"] == .string("opted_out"))
        let critical = Self.send(client, category: "critical", to: "13800138000", customer: nil, key: "otp-1")
        #expect(critical?["state"] == .string("queued"))
        #expect(try gateway.waitForVendor(unique: 1, timeout: 30).unique == 1)
        let record = try gateway.stopVendorAndReadRecord()
        #expect(record.values.flatMap { $0 }.contains { $0.contains("otp-1") })
        #expect(!record.values.flatMap { $0 }.contains { $0.contains("promo-1") })

        // The consent log names the route, the vendor's MO id and the instance.
        let consent = client.request(#"{"op":"consent","to":"13800138000"}"#)
        #expect(consent?["opted_out"] == .array([.string("sms")]))
        let entry = Self.element(consent?["log"], 0)
        #expect(entry?["route"] == .string("sms_reply"))
        #expect(entry?["evidence"] == .string("1234567"))
        #expect(entry?["client"] == .string("callback:sms"))
        let stats = client.request(#"{"op":"stats"}"#)?["stats"]
        #expect(stats?["reply_optouts"]?.intValue == 1)
        #expect(stats?["callbacks_rejected"]?.intValue == 2)
    }

    @Test func marketingInQuietHoursIsDeferredToTheOpeningAndNoticesGoAtOnce() throws {
        // An allowed window that starts two hours from now (Shanghai time), so now is quiet.
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let localMinute = Int(((now + 8 * 3_600_000) % 86_400_000) / 60_000)
        let from = (localMinute + 120) % 1440
        let until = (from + 60) % 1440
        func clock(_ minute: Int) -> String { String(format: "%02d:%02d", minute / 60, minute % 60) }
        let gateway = try TestGateway(
            channels: ["sms": GatewayEndToEndTests.smsChannel()],
            gatewayExtra: """
                timezone: Asia/Shanghai
                quiet_hours:
                  - { categories: [marketing], channels: [sms], allowed: "\(clock(from))-\(clock(until))" }
                """)
        try gateway.startDaemon()
        let client = try ControlClient(path: gateway.socketPath)
        let marketing = Self.send(client, category: "marketing", to: "13800138001", customer: "C1", key: "night-1")
        #expect(marketing?["state"] == .string("deferred"))
        let deferredUntil = try #require(marketing?["until"]?.stringValue)
        let expected = now - now % 60_000 + Int64((from - localMinute + 1440) % 1440) * 60_000
        #expect(deferredUntil == Self.rfc3339(expected), "until \(deferredUntil)")
        let id = try #require(marketing?["message_id"]?.stringValue)
        #expect(client.request(#"{"op":"status","message_id":"\#(id)"}"#)?["message"]?["state"] == .string("deferred"))
        #expect(
            Self.send(client, category: "transactional", to: "13800138001", customer: "C1", key: "notice-1")?["state"]
                == .string("queued"))
        #expect(try gateway.waitForVendor(unique: 1, timeout: 30).unique == 1)
        // A deferred message goes at its time: a notice with not_before 1.5 s ahead arrives after it.
        let later = Int64(Date().timeIntervalSince1970 * 1000) + 1500
        let scheduled = client.request(
            #"{"op":"send","channel":"sms","to":"13800138001","template":"SMS_1","params":{"code":"later"},"#
                + #""not_before":\#(later)}"#)
        #expect(scheduled?["state"] == .string("deferred"))
        #expect(try gateway.waitForVendor(unique: 2, timeout: 30).unique == 2)
        #expect(Int64(Date().timeIntervalSince1970 * 1000) >= later)
        // Marketing held by quiet hours whose not_after passes first is never sent: it expires.
        let expiring = client.request(
            #"{"op":"send","channel":"sms","to":"13800138001","template":"SMS_1","params":{"code":"late"},"#
                + #""category":"marketing","not_after":\#(later + 500)}"#)
        #expect(expiring?["state"] == .string("deferred"))
        let expiringID = try #require(expiring?["message_id"]?.stringValue)
        var state: JSONValue?
        for _ in 0..<100 {
            state = client.request(#"{"op":"status","message_id":"\#(expiringID)"}"#)?["message"]?["state"]
            if state == .string("expired") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(state == .string("expired"))
        #expect(try gateway.vendorStats().received == 2)
    }

    @Test func gatewayctlOptsOutOptsInAndExportsTheLogAsJSONAndCSV() throws {
        let gateway = try TestGateway(channels: ["sms": GatewayEndToEndTests.smsChannel()])
        try gateway.startDaemon()
        func gatewayctl(_ arguments: [String]) throws -> (Int32, String) {
            let run = try ChildProcess(
                TestGateway.binaries + "/gatewayctl", ["--socket", gateway.socketPath] + arguments,
                outputPath: gateway.directory + "/gatewayctl-\(UUID().uuidString.prefix(6)).out")
            let status = run.stop(signal: 0, timeout: 30)
            return (status, run.output)
        }
        let optOut = try gatewayctl([
            "optout", "--customer", "C-7", "--channel", "sms", "--evidence", "call, \"ticket\" 9",
        ])
        #expect(optOut.0 == 0, "\(optOut.1)")
        #expect(optOut.1.contains("customer C-7: opted out of marketing on sms"), "\(optOut.1)")
        let client = try ControlClient(path: gateway.socketPath)
        #expect(
            Self.send(client, category: "marketing", to: "13800138002", customer: "C-7", key: "p1")?["reason"]
                == .string("opted_out"))
        let optIn = try gatewayctl(["optin", "--customer", "C-7", "--channel", "all", "--route", "import"])
        #expect(optIn.0 == 0, "\(optIn.1)")
        #expect(
            Self.send(client, category: "marketing", to: "13800138002", customer: "C-7", key: "p2")?["state"]
                == .string("queued"))

        let json = try gatewayctl(["consent", "export", "--customer", "C-7", "--format", "json"])
        #expect(json.0 == 0, "\(json.1)")
        let document = try JSONParser.parse(json.1.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(document["opted_out"] == .array([]))
        #expect(Self.element(document["log"], 0)?["action"] == .string("optout"))
        #expect(Self.element(document["log"], 0)?["client"]?.stringValue?.hasPrefix("uid=") == true)
        #expect(Self.element(document["log"], 1)?["route"] == .string("import"))

        let csv = try gatewayctl(["consent", "export", "--customer", "C-7", "--format", "csv"])
        let rows = csv.1.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.first == "seq,at,subject_kind,subject,channel,action,route,evidence,client")
        #expect(rows.count == 3, "\(csv.1)")
        #expect(rows[1].contains(#",customer,C-7,sms,optout,api,"call, ""ticket"" 9","uid="#), "\(rows[1])")
        #expect(rows[2].contains(",customer,C-7,all,optin,import,,\"uid="), "\(rows[2])")

        let refused = try gatewayctl(["optout", "--customer", "C-7", "--to", "13800138002"])
        #expect(refused.0 != 0)
        #expect(refused.1.contains("exactly one of --customer or --to"), "\(refused.1)")
        let badChannel = try gatewayctl(["optout", "--to", "13800138002", "--channel", "smss"])
        #expect(badChannel.0 == 1)
        #expect(badChannel.1.contains("error: bad_request"), "\(badChannel.1)")
    }

    static func element(_ value: JSONValue?, _ index: Int) -> JSONValue? {
        guard case .array(let items)? = value, index < items.count else { return nil }
        return items[index]
    }

    static func rfc3339(_ milliseconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }
}
