import ChannelKit
import ChannelSMS
import ChannelTesting
import Testing

/// Settings, checks and secrecy of the generic `http` SMS profile.
struct SMSHTTPProfileTests {
    /// The body template (kept apart from the JSON below to avoid a second layer of escaping).
    static let body = #"{"to":"{{to}}","content":"{{content}}","params":{"code":"{{params.code}}"}}"#

    /// Settings like the sample's, with a secret header added; `settings()` adds ``body``.
    static let settingsJSON = """
        {
          "url": "http://127.0.0.1:9080/sms/send",
          "headers": {"Authorization": "credential:sms_token", "Content-Type": "application/json"},
          "success": {"json_path": "$.code", "equals": "OK"},
          "message_id_path": "$.msgid",
          "detail_path": "$.message",
          "code_reasons": {"isv.MOBILE_NUMBER_ILLEGAL": "invalid_recipient"}
        }
        """

    static let message = OutboundMessage(
        id: "m-1",
        channel: "sms-test",
        recipient: "+8613800138000",
        params: ["code": "123456"],
        content: "Your code is 123456"
    )

    /// The settings above with some keys replaced (`nil` removes a key).
    static func settings(_ changes: [String: JSONValue?] = [:]) throws -> ConfigNode {
        guard case .object(var members) = try JSONParser.parse(settingsJSON) else { fatalError("bad test JSON") }
        members["body"] = .string(body)
        for (key, value) in changes { members[key] = value }
        return TestSettings.node(.object(members))
    }

    static func adapter(_ changes: [String: JSONValue?] = [:]) throws -> any ChannelAdapter {
        let built = TestSettings.make(SMSChannel.kind, vendor: "http", settings: try settings(changes))
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    static func issues(_ changes: [String: JSONValue?]) throws -> [ConfigIssue] {
        let built = TestSettings.make(SMSChannel.kind, vendor: "http", settings: try settings(changes))
        #expect(built.adapter == nil)
        return built.issues
    }

    // MARK: Kind and settings

    @Test func kindNamesItsVendors() {
        #expect(SMSChannel.kind.name == "sms")
        #expect(SMSChannel.kind.vendors == ["http", "aliyun", "tencent"])
    }

    @Test func missingVendorIsReported() throws {
        let built = TestSettings.make(SMSChannel.kind, vendor: nil, settings: try Self.settings())
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains("'vendor'") })
    }

    @Test func unknownPlaceholderIsReportedAtTheTemplate() {
        let bodyMark = ConfigMark(file: "sms.yaml", line: 7, column: 9)
        func entry(_ key: String, _ value: ConfigNode, line: Int) -> ConfigEntry {
            ConfigEntry(key: TestSettings.scalar(key, line: line), value: value)
        }
        let settings = ConfigNode.mapping(
            [
                entry("url", .scalar(TestSettings.scalar("http://vendor.example/send", line: 2, column: 8)), line: 2),
                entry(
                    "success",
                    .mapping(
                        [
                            entry("json_path", .scalar(TestSettings.scalar("$.code", line: 4, column: 16)), line: 4),
                            entry("equals", .scalar(TestSettings.scalar("OK", line: 5, column: 13)), line: 5),
                        ],
                        ConfigMark(file: "sms.yaml", line: 4, column: 3)
                    ),
                    line: 3
                ),
                entry("body", .scalar(ConfigScalar(text: #"{"to":"{{recipient}}"}"#, mark: bodyMark)), line: 7),
            ],
            ConfigMark(file: "sms.yaml", line: 2, column: 3)
        )
        let built = TestSettings.make(SMSChannel.kind, vendor: "http", settings: settings)
        #expect(built.adapter == nil)
        #expect(built.issues.count == 1)
        let issue = try? #require(built.issues.first)
        #expect(issue?.mark == bodyMark)
        #expect(issue?.message.contains("unknown placeholder '{{recipient}}' in 'body'") == true)
        #expect(issue?.description.hasPrefix("sms.yaml:7:9: error:") == true)
    }

    @Test(arguments: [
        ("url", #""http://x.example/{{phone}}""#, "'{{phone}}' in 'url'"),
        ("headers", #"{"X-Ref": "{{id}}"}"#, "'{{id}}' in 'headers.X-Ref'"),
        ("body", #""{\"to\":\"{{params.}}\"}""#, "'{{params.}}' in 'body'"),
    ])
    func unknownPlaceholderInAnyTemplate(key: String, value: String, fragment: String) throws {
        let issues = try Self.issues([key: try JSONParser.parse(value)])
        #expect(issues.contains { $0.message.contains("unknown placeholder \(fragment)") }, "\(issues)")
    }

    @Test func unknownSettingsKeyIsRejected() throws {
        let issues = try Self.issues(["retry_code": .array([.string("BUSY")])])
        #expect(issues.count == 1)
        #expect(issues.first?.message.hasPrefix("unknown key 'retry_code' in 'settings'") == true)
    }

    @Test func missingURLIsReported() throws {
        let issues = try Self.issues(["url": nil])
        #expect(issues.map(\.message) == ["missing required key 'url' in 'settings'"])
    }

    @Test func absentSettingsNameEveryRequiredKey() {
        let built = TestSettings.make(SMSChannel.kind, vendor: "http", settings: nil)
        #expect(built.adapter == nil)
        let messages = built.issues.map(\.message)
        #expect(messages.contains("missing required key 'url' in 'settings'"))
        #expect(messages.contains("missing required key 'success' in 'settings'"))
        #expect(messages.contains { $0.hasPrefix("missing required key 'body'") })
    }

    @Test(arguments: [
        (#"{"method": "DELETE"}"#, "invalid value 'DELETE' for 'method'"),
        (#"{"method": "GET"}"#, "a GET request takes no 'body'"),
        (#"{"body": null}"#, "missing required key 'body' in 'settings' (needed for POST)"),
        (#"{"body": "{\"to\":\"{{to}}\",}"}"#, "'body' is not valid JSON"),
        (#"{"url": "ftp://x.example/"}"#, "'url' must start with http:// or https://"),
        (#"{"url": "credential:vendor_url"}"#, "'url' cannot be a secret reference"),
        (#"{"url": "http://x.example/{{to"}"#, "unterminated placeholder in 'url'"),
        (#"{"success": {"json_path": "$..code", "equals": "OK"}}"#, "invalid JSON path '$..code'"),
        (#"{"success": {"json_path": "$.code"}}"#, "missing required key 'equals' in 'success'"),
        (#"{"success": null}"#, "missing required key 'success' in 'settings'"),
        (#"{"code_reasons": {"E1": "bad_number"}}"#, "unknown reason category 'bad_number' for code 'E1'"),
        (#"{"retry_statuses": [503, 999]}"#, "expected an integer in 'retry_statuses', found '999'"),
        (#"{"recipient_pattern": "us"}"#, "invalid value 'us' for 'recipient_pattern'"),
        (#"{"body_format": "xml"}"#, "invalid value 'xml' for 'body_format'"),
        (#"{"headers": {"Bad Name": "x"}}"#, "invalid header name 'Bad Name'"),
    ])
    func badSettingsAreReported(changes: String, fragment: String) throws {
        guard case .object(let members) = try JSONParser.parse(changes) else { return }
        let issues = try Self.issues(members.mapValues { $0 == .null ? nil : $0 })
        #expect(issues.contains { $0.message.contains(fragment) }, "\(issues)")
    }

    // MARK: Requests

    @Test func sameInputGivesByteIdenticalRequests() throws {
        let first = try Self.adapter()
        let second = try Self.adapter()
        let contexts = [fixedContext, RequestContext(nowMilliseconds: 1, nonce: 99, attempt: 3)]
        let requests = try contexts.flatMap { context in
            [
                try first.request(for: Self.message, context: context),
                try second.request(for: Self.message, context: context),
            ]
        }
        #expect(Set(requests).count == 1)
        #expect(requests[0].body == requests[1].body)
    }

    @Test func explicitBodyFormatAddsAContentType() throws {
        let adapter = try Self.adapter(["headers": .object([:]), "body_format": .string("json")])
        let request = try adapter.request(for: Self.message, context: fixedContext)
        #expect(request.headers == [HTTPHeader("Content-Type", "application/json")])
    }

    @Test func contentTypeParametersStillInferJSON() throws {
        let headers: JSONValue = .object(["Content-Type": .string("application/json; charset=utf-8")])
        let adapter = try Self.adapter(["headers": headers])
        let message = OutboundMessage(
            id: "m-2", channel: "sms-test", recipient: "13800138000", params: ["code": "1"], content: "a\"b"
        )
        let request = try adapter.request(for: message, context: fixedContext)
        let expected = #"{"to":"13800138000","content":"a\"b","params":{"code":"1"}}"#
        #expect(String(decoding: request.body, as: UTF8.self) == expected)
    }

    @Test func headerValuesCannotSplitLines() throws {
        let headers: JSONValue = .object(["X-Ref": .string("ref {{message_id}}")])
        let adapter = try Self.adapter(["headers": headers, "body_format": .string("json")])
        var message = Self.message
        message.id = "a\r\nX-Evil: 1"
        let request = try adapter.request(for: message, context: fixedContext)
        #expect(request.headers.value(named: "X-Ref") == "ref a  X-Evil: 1")
    }

    @Test func requestRefusesAMessageCheckWouldRefuse() throws {
        let adapter = try Self.adapter()
        var message = Self.message
        message.params = [:]
        #expect(throws: MessageProblem.badRequest("the template needs parameter 'code'", field: "params.code")) {
            try adapter.request(for: message, context: fixedContext)
        }
    }

    // MARK: Checks

    @Test(arguments: [
        ("e164_or_cn", "+8613800138000", true), ("e164_or_cn", "13800138000", true),
        ("e164_or_cn", "+14155550123", true), ("e164_or_cn", "", false), ("e164_or_cn", "1380013800", false),
        ("e164_or_cn", "23800138000", false), ("e164_or_cn", "+0123456789", false),
        ("e164_or_cn", "+1 415 555 0123", false), ("e164_or_cn", "+1234567", false),
        ("e164_or_cn", "+1234567890123456", false), ("e164_or_cn", "１３８００１３８０００", false),
        ("cn_mobile", "13800138000", true), ("cn_mobile", "+8613800138000", true),
        ("cn_mobile", "+14155550123", false), ("cn_mobile", "8613800138000", false),
        ("e164", "+8613800138000", true), ("e164", "13800138000", false), ("e164", "+12345678", true),
    ])
    func recipientPattern(pattern: String, number: String, valid: Bool) throws {
        let adapter = try Self.adapter(["recipient_pattern": .string(pattern)])
        var message = Self.message
        message.recipient = number
        let problem = adapter.check(message)
        #expect((problem == nil) == valid, "\(pattern) \(number): \(String(describing: problem))")
        if let problem {
            #expect(problem.codeName == "invalid_recipient")
            #expect(problem.field == "to")
        }
    }

    @Test func checkFindsMissingParamsTemplateAndContent() throws {
        let body = #"{"to":"{{to}}","tpl":"{{template}}","a":"{{params.a}}","b":"{{params.b}}"}"#
        let adapter = try Self.adapter(["body": .string(body)])
        var message = Self.message
        message.params = ["a": "1"]
        #expect(adapter.check(message)?.codeName == "bad_request")
        #expect(adapter.check(message)?.field == "template")
        message.template = "SMS_1"
        #expect(adapter.check(message)?.field == "params.b")
        message.params["b"] = ""
        #expect(adapter.check(message) == nil)

        let contentAdapter = try Self.adapter()
        message.content = nil
        #expect(contentAdapter.check(message)?.field == "content")
    }

    // MARK: Secrets

    @Test func secretHeaderNeverPrintsOrReachesAReason() throws {
        let adapter = try Self.adapter()
        let secret = TestSettings.secretValue("sms_token")
        let request = try adapter.request(for: Self.message, context: fixedContext)
        #expect(request.headers.value(named: "Authorization") == secret)

        for text in visibleTexts(of: adapter) {
            #expect(!text.contains(secret), "\(text)")
        }

        let replies: [VendorResponse] = [
            VendorResponse(status: 200, body: Array(#"{"code":"OK","msgid":"x"}"#.utf8)),
            VendorResponse(status: 200, body: Array(#"{"code":"isv.MOBILE_NUMBER_ILLEGAL","message":"no"}"#.utf8)),
            VendorResponse(status: 200, body: Array(#"{"other":1}"#.utf8)),
            VendorResponse(status: 200, body: Array("garbage".utf8)),
            VendorResponse(status: 401), VendorResponse(status: 403), VendorResponse(status: 418),
            VendorResponse(status: 429, headers: [HTTPHeader("Retry-After", "5")]), VendorResponse(status: 503),
        ]
        for reply in replies {
            let outcome = adapter.outcome(of: reply, to: request, message: Self.message)
            #expect(!String(describing: outcome).contains(secret))
            switch outcome {
            case .retry(let reason, _), .reject(let reason): #expect(!reason.description.contains(secret))
            default: break
            }
        }
    }

    // MARK: Outcomes not covered by fixtures

    @Test func replyWithoutSuccessOrCodeIsRetriedAsUnknown() throws {
        let adapter = try Self.adapter(["code_path": .string("$.error.code")])
        let request = try adapter.request(for: Self.message, context: fixedContext)
        let reply = VendorResponse(status: 200, body: Array(#"{"code":"FAIL"}"#.utf8))
        let outcome = adapter.outcome(of: reply, to: request, message: Self.message)
        guard case .retry(let reason, _) = outcome else {
            Issue.record("expected retry, got \(outcome)")
            return
        }
        #expect(reason.category == .unknown)
    }

    @Test func retryStatusesAreConfigurable() throws {
        let adapter = try Self.adapter(["retry_statuses": .array([.number("500")])])
        let request = try adapter.request(for: Self.message, context: fixedContext)
        let retried = adapter.outcome(of: VendorResponse(status: 500), to: request, message: Self.message)
        #expect(retried == .retry(Reason(.vendorUnavailable, vendorCode: "HTTP 500")))
        let rejected = adapter.outcome(of: VendorResponse(status: 503), to: request, message: Self.message)
        #expect(rejected == .reject(Reason(.unknown, vendorCode: "HTTP 503")))
        let throttled = adapter.outcome(of: VendorResponse(status: 429), to: request, message: Self.message)
        #expect(throttled == .retry(Reason(.throttled, vendorCode: "HTTP 429")))
    }
}
