import ChannelKit
import Crypto
import Foundation
import Synchronization
import Testing

/// The real `fakevendor` binary speaking the vendor requests the SMS profiles send: Alibaba `SendBatchSms` (one
/// BizId for the batch, vendors.md §2.1.4/§2.1.5), Tencent `SendSms` (one `SendStatusSet` entry per number, §2.2.4),
/// the record lines the receipt bench reads, SmsReport pushes for batches (§2.1.7), and 64 keep-alive connections
/// at once, every answer checked.
@Suite(.serialized)
struct FakeVendorTests {
    /// A running `fakevendor` with a record file.
    final class Vendor {
        let directory = NSTemporaryDirectory() + "cg-fv-" + UUID().uuidString
        let process: ChildProcess
        let port: Int
        var recordPath: String { directory + "/vendor.record" }

        init(arguments: [String] = []) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            process = try ChildProcess(
                TestGateway.binaries + "/fakevendor",
                ["--port", "0", "--record", directory + "/vendor.record"] + arguments,
                outputPath: directory + "/vendor.out")
            guard process.waitForOutput(containing: "listening on 127.0.0.1:"),
                let text = process.output.split(separator: ":").last?.split(separator: "\n").first,
                let port = Int(text.trimmingCharacters(in: .whitespaces))
            else { throw TestFailure("fakevendor did not start: \(process.output)") }
            self.port = port
        }

        /// Stops the vendor (SIGTERM flushes the record) and returns the record's lines as (ref, JSON).
        func stopAndReadRecord() throws -> [(ref: String, record: JSONValue)] {
            #expect(process.stop() == 0)
            let text = try String(contentsOfFile: recordPath, encoding: .utf8)
            return try text.split(separator: "\n").map { line in
                let parts = line.split(separator: "\t", maxSplits: 1)
                guard parts.count == 2 else { throw TestFailure("bad record line: \(line)") }
                return (String(parts[0]), try JSONParser.parse(String(parts[1])))
            }
        }

        deinit {
            process.stop(signal: SIGKILL)
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    // MARK: Signing, as the gateway's profiles do (written here apart from both)

    /// RFC 3986 percent-encoding (vendors.md §2.1.2 step 2).
    static func percentEncoded(_ text: String) -> String {
        let unreserved = CharacterSet(
            charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
        return text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    /// A form body for an Alibaba RPC action, signed with RPC v1 (vendors.md §2.1.2) under `secret`.
    static func alibabaForm(_ action: String, _ business: [String: String], secret: String = "test-sk") -> [UInt8] {
        var parameters = business
        for (key, value) in [
            ("AccessKeyId", "test-ak"), ("Action", action), ("Format", "JSON"), ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"), ("SignatureNonce", UUID().uuidString), ("SignatureVersion", "1.0"),
            ("Timestamp", "2026-12-06T00:00:00Z"), ("Version", "2017-05-25"),
        ] {
            parameters[key] = value
        }
        let canonical = parameters.map { (percentEncoded($0.key), percentEncoded($0.value)) }.sorted { $0.0 < $1.0 }
            .map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let stringToSign = "POST&%2F&" + percentEncoded(canonical)
        let signature = Data(
            HMAC<Insecure.SHA1>.authenticationCode(
                for: Data(stringToSign.utf8), using: SymmetricKey(data: Data((secret + "&").utf8)))
        ).base64EncodedString()
        return Array((canonical + "&Signature=" + percentEncoded(signature)).utf8)
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The headers of a Tencent `SendSms`, signed with TC3-HMAC-SHA256 (vendors.md §2.2.2) under `secretKey`.
    static func tencentHeaders(body: [UInt8], port: Int, secretKey: String = "test-key") -> [(String, String)] {
        let timestamp = Int(Date().timeIntervalSince1970)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let date = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(timestamp)))
        let contentType = "application/json; charset=utf-8"
        let host = "127.0.0.1:\(port)"
        let canonical =
            "POST\n/\n\ncontent-type:\(contentType)\nhost:\(host)\n\ncontent-type;host\n\(hex(SHA256.hash(data: body)))"
        let stringToSign =
            "TC3-HMAC-SHA256\n\(timestamp)\n\(date)/sms/tc3_request\n\(hex(SHA256.hash(data: Array(canonical.utf8))))"
        func hmac(_ message: String, _ key: [UInt8]) -> [UInt8] {
            Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: key)))
        }
        let signing = hmac("tc3_request", hmac("sms", hmac(date, Array(("TC3" + secretKey).utf8))))
        let signature = hex(hmac(stringToSign, signing))
        return [
            (
                "Authorization",
                "TC3-HMAC-SHA256 Credential=test-id/\(date)/sms/tc3_request, SignedHeaders=content-type;host, Signature=\(signature)"
            ),
            ("Content-Type", contentType), ("Host", host), ("X-TC-Action", "SendSms"),
            ("X-TC-Timestamp", String(timestamp)),
            ("X-TC-Version", "2021-01-11"), ("X-TC-Region", "ap-guangzhou"),
        ]
    }

    /// A `SendBatchSms` form as the aliyun profile builds it (no OutId; parallel JSON arrays).
    static func batchForm(_ numbers: [String]) -> [UInt8] {
        let quoted = numbers.map { "\"\($0)\"" }.joined(separator: ",")
        return alibabaForm(
            "SendBatchSms",
            [
                "PhoneNumberJson": "[\(quoted)]",
                "SignNameJson": "[" + numbers.map { _ in #""示例银行""# }.joined(separator: ",") + "]",
                "TemplateCode": "SMS_1",
                "TemplateParamJson": "[" + numbers.indices.map { #"{"code":"\#($0)"}"# }.joined(separator: ",") + "]",
            ])
    }

    static func tencentBody(_ numbers: [String], session: String) -> [UInt8] {
        let quoted = numbers.map { "\"\($0)\"" }.joined(separator: ",")
        return Array(
            #"{"PhoneNumberSet":[\#(quoted)],"SessionContext":"\#(session)","SignName":"示例银行","SmsSdkAppId":"1400006666","TemplateId":"449739","TemplateParamSet":["1234"]}"#
                .utf8)
    }

    static let formHeaders = [("Content-Type", "application/x-www-form-urlencoded")]

    /// The `index`th element of an array value.
    static func item(_ value: JSONValue?, _ index: Int) -> JSONValue? {
        guard case .array(let items)? = value, items.indices.contains(index) else { return nil }
        return items[index]
    }

    // MARK: Tests

    @Test func sendBatchSmsGetsOneBizIdAndARecordLinePerNumber() throws {
        let vendor = try Vendor()
        let client = try KeepAliveClient(port: vendor.port)
        let numbers = ["13800100001", "13800100002", "8613800100003"]
        let answer = try client.exchange(path: "/", headers: Self.formHeaders, body: Self.batchForm(numbers))
        #expect(answer.status == 200)
        let reply = try JSONParser.parse(answer.body)
        #expect(reply["Code"]?.stringValue == "OK", "\(answer.body)")
        let bizID = try #require(reply["BizId"]?.stringValue)

        // QuerySendDetails finds each number of the batch under the batch's BizId.
        let query = try client.exchange(
            path: "/", headers: Self.formHeaders,
            body: Self.alibabaForm(
                "QuerySendDetails",
                [
                    "PhoneNumber": "13800100002", "BizId": bizID, "SendDate": "20261206", "PageSize": "10",
                    "CurrentPage": "1",
                ]
            ))
        let details = try JSONParser.parse(query.body)
        #expect(details["TotalCount"]?.intValue == 1, "\(query.body)")
        #expect(Self.item(details["SmsSendDetailDTOs"]?["SmsSendDetailDTO"], 0)?["SendStatus"]?.intValue == 3)

        // Refusals in Alibaba's shape: mismatched arrays, too many numbers, a bad signature, an unknown action.
        let mismatched = try client.exchange(
            path: "/", headers: Self.formHeaders,
            body: Self.alibabaForm(
                "SendBatchSms",
                [
                    "PhoneNumberJson": #"["13800100004","13800100005"]"#, "SignNameJson": #"["示例银行"]"#,
                    "TemplateCode": "SMS_1",
                ]))
        #expect(try JSONParser.parse(mismatched.body)["Code"]?.stringValue == "isv.INVALID_PARAMETERS")
        let tooMany = try client.exchange(
            path: "/", headers: Self.formHeaders, body: Self.batchForm((0..<101).map { "138002\(10000 + $0)" }))
        #expect(try JSONParser.parse(tooMany.body)["Code"]?.stringValue == "isv.MOBILE_COUNT_OVER_LIMIT")
        let forged = try client.exchange(
            path: "/", headers: Self.formHeaders,
            body: Self.alibabaForm(
                "SendBatchSms",
                ["PhoneNumberJson": #"["13800100006"]"#, "SignNameJson": #"["x"]"#, "TemplateCode": "S"],
                secret: "wrong"))
        #expect(forged.status == 400)
        #expect(try JSONParser.parse(forged.body)["Code"]?.stringValue == "SignatureDoesNotMatch")
        let unknown = try client.exchange(path: "/", headers: Self.formHeaders, body: Self.alibabaForm("SendMms", [:]))
        #expect(unknown.status == 404)
        #expect(try JSONParser.parse(unknown.body)["Code"]?.stringValue == "InvalidAction.NotFound")

        let record = try vendor.stopAndReadRecord()
        #expect(record.map(\.ref) == numbers)
        for line in record {
            #expect(
                line.record == .object(["vendor": .string("aliyun"), "biz_id": .string(bizID), "out_id": .string("")]))
        }
    }

    @Test func tencentSendSmsAnswersEachNumberAndRecordsItsSerialNo() throws {
        let vendor = try Vendor()
        let client = try KeepAliveClient(port: vendor.port)
        let numbers = ["+8613900100001", "+8613900100002"]
        let body = Self.tencentBody(numbers, session: "m1,m2")
        let answer = try client.exchange(
            path: "/", headers: Self.tencentHeaders(body: body, port: vendor.port), body: body)
        #expect(answer.status == 200)
        let statuses = try #require(try JSONParser.parse(answer.body)["Response"]?["SendStatusSet"], "\(answer.body)")
        var serials: [String: String] = [:]
        for index in numbers.indices {
            let entry = Self.item(statuses, index)
            #expect(entry?["Code"]?.stringValue == "Ok")
            #expect(entry?["SessionContext"]?.stringValue == "m1,m2")
            #expect(entry?["Fee"]?.intValue == 1)
            let number = try #require(entry?["PhoneNumber"]?.stringValue)
            serials[number] = try #require(entry?["SerialNo"]?.stringValue)
        }
        #expect(Set(serials.keys) == Set(numbers))

        let forgedBody = Self.tencentBody(["+8613900100003"], session: "m3")
        let forged = try client.exchange(
            path: "/", headers: Self.tencentHeaders(body: forgedBody, port: vendor.port, secretKey: "wrong"),
            body: forgedBody)
        #expect(
            try JSONParser.parse(forged.body)["Response"]?["Error"]?["Code"]?.stringValue
                == "AuthFailure.SignatureFailure")

        let record = try vendor.stopAndReadRecord()
        #expect(record.map(\.ref) == numbers)
        for line in record {
            #expect(
                line.record
                    == .object([
                        "vendor": .string("tencent"), "serial_no": .string(serials[line.ref] ?? "?"),
                        "session_context": .string("m1,m2"),
                    ]))
        }
    }

    @Test func reportsArePushedForEveryNumberOfABatchInGroups() throws {
        let sink = try ReportSink()
        defer { sink.stop() }
        let vendor = try Vendor(arguments: ["--report-to", "http://127.0.0.1:\(sink.port)/callbacks/sms-aliyun"])
        let client = try KeepAliveClient(port: vendor.port)
        // 0002 is pushed twice, 0003 fails; the rest are delivered.
        let numbers = (1...40).map { String(format: "138003%05d", $0) }
        let answer = try client.exchange(path: "/", headers: Self.formHeaders, body: Self.batchForm(numbers))
        let bizID = try #require(try JSONParser.parse(answer.body)["BizId"]?.stringValue)
        var reports: [JSONValue] = []
        for _ in 0..<100 {
            reports = sink.received.flatMap { body -> [JSONValue] in
                guard case .array(let items) = try? JSONParser.parse(body) else { return [] }
                return items
            }
            if reports.count >= numbers.count + 1 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 0.3)  // Nothing more may come.
        let posts = sink.received.count
        #expect(reports.count == numbers.count + 1)
        #expect(posts < reports.count, "reports are grouped, not one POST each")
        var byNumber: [String: [JSONValue]] = [:]
        for report in reports {
            #expect(report["biz_id"]?.stringValue == bizID)
            #expect(report["out_id"]?.stringValue == "")
            byNumber[report["phone_number"]?.stringValue ?? "?", default: []].append(report)
        }
        #expect(Set(byNumber.keys) == Set(numbers))
        #expect(byNumber["13800300002"]?.count == 2)
        #expect(byNumber["13800300003"]?.first?["err_code"]?.stringValue == "UNDELIV")
        #expect(byNumber["13800300003"]?.first?["success"] == .bool(false))
        #expect(byNumber["13800300001"]?.first?["err_code"]?.stringValue == "DELIVERED")
        _ = try vendor.stopAndReadRecord()
    }

    /// The other vendors' sends answer in their documented shapes (vendors.md §3.3, §3.4, §4.4, §5.1, §5.5).
    @Test func pushWeComAndOfficialAccountSendsAreAnswered() throws {
        let vendor = try Vendor()
        let client = try KeepAliveClient(port: vendor.port)
        let json = [("Content-Type", "application/json")]
        func post(_ path: String, _ body: String, headers: [(String, String)] = json) throws -> (Int, JSONValue) {
            let answer = try client.exchange(path: path, headers: headers, body: Array(body.utf8))
            return (answer.status, try JSONParser.parse(answer.body))
        }
        // JPush: Basic auth, one msg_id for the push; an audience of nobody is 1011.
        let basic = [("Authorization", "Basic " + Data("app:secret".utf8).base64EncodedString())] + json
        let push = #"{"platform":"all","audience":{"registration_id":["rid-1","rid-2"]},"notification":{"alert":"hi"}}"#
        let (pushStatus, pushed) = try post("/v3/push", push, headers: basic)
        #expect(pushStatus == 200)
        #expect(pushed["msg_id"]?.stringValue?.isEmpty == false)
        #expect(try post("/v3/push", push).0 == 401)
        let nobody = #"{"platform":"all","audience":{"registration_id":["ghost"]},"notification":{"alert":"hi"}}"#
        #expect(try post("/v3/push", nobody, headers: basic).1["error"]?["code"]?.intValue == 1011)

        // WeCom: a token, then a customer group send (ghost in fail_list) and a robot message.
        let first = try JSONParser.parse(
            try client.exchange(method: "GET", path: "/cgi-bin/gettoken?corpid=c&corpsecret=s", body: []).body)
        #expect(first["access_token"]?.stringValue == "fv-token-1")  // refused as expired on use
        let second = try JSONParser.parse(
            try client.exchange(method: "GET", path: "/cgi-bin/gettoken?corpid=c&corpsecret=s", body: []).body)
        let usable = try #require(second["access_token"]?.stringValue)
        let (_, group) = try post(
            "/cgi-bin/externalcontact/add_msg_template?access_token=\(usable)",
            #"{"external_userid":["wm-1","ghost"],"text":{"content":"hi"}}"#)
        #expect(group["errcode"]?.intValue == 0)
        #expect(group["fail_list"] == .array([.string("ghost")]))
        #expect(group["msgid"]?.stringValue?.isEmpty == false)
        let (_, robot) = try post(
            "/cgi-bin/webhook/send?key=k1", #"{"msgtype":"text","text":{"content":"hi"}}"#)
        #expect(robot["errcode"]?.intValue == 0)

        // Official Account subscription notification: errcode 0 and no msgid.
        let (_, subscribed) = try post(
            "/cgi-bin/message/subscribe/bizsend?access_token=\(usable)",
            #"{"touser":"openid-1","template_id":"t","data":{"thing1":{"value":"x"}}}"#)
        #expect(subscribed == .object(["errcode": .number("0"), "errmsg": .string("ok")]))

        // FCM: a JWT-bearer token, then a send answered with the message's name.
        let grant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=a.b.c"
        let (_, fcmToken) = try post("/token", grant, headers: Self.formHeaders)
        let bearer = try #require(fcmToken["access_token"]?.stringValue)
        let (fcmStatus, sent) = try post(
            "/v1/projects/p1/messages:send", #"{"message":{"token":"device-1","notification":{"title":"t"}}}"#,
            headers: [("Authorization", "Bearer \(bearer)")] + json)
        #expect(fcmStatus == 200)
        #expect(sent["name"]?.stringValue?.hasPrefix("projects/p1/messages/") == true)

        let refs = Set(try vendor.stopAndReadRecord().map(\.ref))
        #expect(refs == ["rid-1", "rid-2", "wm-1", "robot", "openid-1", "device-1"])
    }

    /// 64 connections at once, each sending a mix of every SMS request kind with its own numbers: every answer is
    /// right, and the vendor counts and records each number exactly once.
    @Test func sixtyFourConnectionsAreAllAnsweredCorrectly() throws {
        let vendor = try Vendor()
        let port = vendor.port
        let connections = 64
        let rounds = 10
        let failures = Mutex<[String]>([])
        let ready = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for connection in 0..<connections {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                func fail(_ text: String) { failures.withLock { $0.append("connection \(connection): \(text)") } }
                guard let client = try? KeepAliveClient(port: port) else {
                    fail("cannot connect")
                    ready.signal()
                    return
                }
                ready.signal()
                go.wait()
                for round in 0..<rounds {
                    let base = 1_000 * connection + 10 * round
                    do {
                        let ref = "r-\(connection)-\(round)"
                        let json = try client.exchange(
                            path: "/sms/send", headers: [("Content-Type", "application/json")],
                            body: Array(#"{"to":"13800138000","ref":"\#(ref)"}"#.utf8))
                        if json.status != 200 || !json.body.contains(#""code":"OK""#) { fail("sms/send: \(json)") }
                        let single = try client.exchange(
                            path: "/", headers: Self.formHeaders,
                            body: Self.alibabaForm(
                                "SendSms",
                                [
                                    "PhoneNumbers": String(format: "1370%07d", base), "SignName": "示例银行",
                                    "TemplateCode": "SMS_1", "OutId": ref,
                                ]))
                        if single.status != 200 || (try? JSONParser.parse(single.body))?["Code"]?.stringValue != "OK" {
                            fail("SendSms: \(single)")
                        }
                        let batch = try client.exchange(
                            path: "/", headers: Self.formHeaders,
                            body: Self.batchForm((1...3).map { String(format: "1360%07d", base + $0) }))
                        if batch.status != 200 || (try? JSONParser.parse(batch.body))?["BizId"] == nil {
                            fail("SendBatchSms: \(batch)")
                        }
                        let tencentBody = Self.tencentBody(
                            (1...2).map { String(format: "+861350%07d", base + $0) }, session: ref)
                        let tencent = try client.exchange(
                            path: "/", headers: Self.tencentHeaders(body: tencentBody, port: port),
                            body: tencentBody)
                        let statuses = (try? JSONParser.parse(tencent.body))?["Response"]?["SendStatusSet"]
                        if tencent.status != 200 || Self.item(statuses, 1)?["Code"]?.stringValue != "Ok" {
                            fail("Tencent SendSms: \(tencent)")
                        }
                    } catch {
                        fail("\(error)")
                        return
                    }
                }
            }
        }
        for _ in 0..<connections { ready.wait() }
        for _ in 0..<connections { go.signal() }
        #expect(done.wait(timeout: .now() + 120) == .success)
        let failed = failures.withLock { $0 }
        #expect(failed.count == 0, "\(failed.prefix(3))")

        let stats = try JSONParser.parse(try TestGateway.httpGet(port: vendor.port, path: "/stats"))
        let perRound = 1 + 1 + 3 + 2
        #expect(stats["received"]?.intValue == connections * rounds * perRound)
        let record = try vendor.stopAndReadRecord()
        #expect(record.count == connections * rounds * perRound)
        #expect(Set(record.map(\.ref)).count == record.count)  // every ref and number once
        #expect(record.filter { $0.record["vendor"]?.stringValue == "aliyun" }.count == connections * rounds * 4)
        #expect(record.filter { $0.record["vendor"]?.stringValue == "tencent" }.count == connections * rounds * 2)
    }

    /// The real aliyun and tencent profiles against the stub: every message is accepted, and each number has its
    /// record line (batched or not, whichever the dispatcher chose).
    @Test func theGatewaysProfilesAreAnswered() throws {
        let aliyun = """
            type: sms
            vendor: aliyun
            rate_limit: { per_second: 100000, burst: 100000 }
            settings:
              endpoint: VENDOR/
              access_key_id: env:FV_ALIYUN_AK
              access_key_secret: env:FV_ALIYUN_SK
              sign_name: 示例银行
            """
        let tencent = """
            type: sms
            vendor: tencent
            rate_limit: { per_second: 100000, burst: 100000 }
            settings:
              endpoint: VENDOR/
              secret_id: env:FV_TENCENT_ID
              secret_key: env:FV_TENCENT_KEY
              sms_sdk_app_id: "1400006666"
              sign_name: 示例银行
            """
        let gateway = try TestGateway(channels: ["sms-aliyun": aliyun, "sms-tencent": tencent])
        try gateway.startDaemon(environment: [
            "FV_ALIYUN_AK": "test-ak", "FV_ALIYUN_SK": "test-sk", "FV_TENCENT_ID": "test-id",
            "FV_TENCENT_KEY": "test-key",
        ])
        let client = try ControlClient(path: gateway.socketPath)
        var ids: [String: String] = [:]
        // A burst, so the dispatcher may batch (SendBatchSms, multi-number SendSms).
        for index in 0..<200 {
            let channel = index % 2 == 0 ? "sms-aliyun" : "sms-tencent"
            let number = String(format: "1380040%04d", index)
            let params = channel == "sms-aliyun" ? #"{"code":"1"}"# : #"{"1":"1"}"#
            client.send(
                #"{"op":"send","channel":"\#(channel)","to":"\#(number)","template":"T1","params":\#(params)}"#)
            ids[number] = channel
        }
        var accepted: [String: String] = [:]
        for _ in 0..<200 {
            guard let line = client.readLine(), let answer = try? JSONParser.parse(line),
                let id = answer["message_id"]?.stringValue
            else { break }
            accepted[id] = answer["state"]?.stringValue
        }
        #expect(accepted.count == 200)
        var states: [String: Int] = [:]
        for _ in 0..<300 {
            states = [:]
            for id in accepted.keys {
                let state = client.request(#"{"op":"status","message_id":"\#(id)"}"#)?["message"]?["state"]?.stringValue
                states[state ?? "?", default: 0] += 1
            }
            if states["sent"] == 200 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(states == ["sent": 200])
        let record = try gateway.stopVendorAndReadRecord()
        for (number, channel) in ids {
            let ref = channel == "sms-aliyun" ? number : "+86" + number
            let lines = record[ref] ?? []
            #expect(lines.count == 1, "\(ref): \(lines)")
            let vendor = channel == "sms-aliyun" ? "aliyun" : "tencent"
            #expect(lines.first.flatMap { try? JSONParser.parse($0) }?["vendor"]?.stringValue == vendor)
        }
    }
}
