import ChannelAlibabaCloud
import ChannelKit
import ChannelTesting
import Testing

@testable import ChannelCallQueue

/// Settings, checks, determinism, secrecy and the reply and call-result tables of the `aliyun_vms` profile.
struct AliyunVMSProfileTests {
    static let settings: [String: JSONValue] = [
        "access_key_id": .string("credential:vms_access_key_id"),
        "access_key_secret": .string("credential:vms_access_key_secret"),
        "tts_code": .string("TTS_10001"),
    ]

    static func build(_ settings: [String: JSONValue]) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue]) {
        TestSettings.make(CallQueueChannel.kind, vendor: "aliyun_vms", settings: TestSettings.node(.object(settings)))
    }

    static func adapter(_ changes: [String: JSONValue] = [:]) throws -> any ChannelAdapter {
        let built = build(settings.merging(changes) { $1 })
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    static let message = OutboundMessage(
        id: "m01KAXV3Q9ZB4N7T2RYC5EHG8WJ", channel: "call-golden", recipient: "13800138000", category: .critical,
        template: "TTS_20001", params: ["name": "张三", "amount": "100"])

    // MARK: Settings

    @Test func unknownSettingsKeyIsRejected() {
        let built = Self.build(Self.settings.merging(["region": .string("cn-shanghai")]) { $1 })
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.hasPrefix("unknown key 'region' in 'settings'") }, "\(built.issues)")
    }

    @Test(arguments: ["access_key_id", "access_key_secret"])
    func credentialsAreRequired(key: String) {
        var settings = Self.settings
        settings[key] = nil
        let built = Self.build(settings)
        #expect(built.adapter == nil)
        #expect(
            built.issues.contains { $0.message == "missing required key '\(key)' in 'settings'" }, "\(built.issues)")
    }

    @Test(arguments: [
        ("play_times", JSONValue.number("4"), "'play_times' must be between 1 and 3"),
        ("play_times", .number("0"), "'play_times' must be between 1 and 3"),
        ("endpoint", .string("dyvmsapi.aliyuncs.com"), "'endpoint' must start with http:// or https://"),
        ("called_show_number", .string("0571-8888"), "'called_show_number' must be the caller number's digits"),
        ("tts_code", .string("TTS 1"), "'tts_code' must be a TTS template code"),
    ])
    func badValuesAreRejected(key: String, value: JSONValue, fragment: String) {
        let built = Self.build(Self.settings.merging([key: value]) { $1 })
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains(fragment) && $0.severity == .error }, "\(built.issues)")
    }

    @Test func inlineSecretIsAWarning() throws {
        let built = Self.build(Self.settings.merging(["access_key_secret": .string("plain-text-secret")]) { $1 })
        #expect(built.adapter != nil)
        #expect(built.issues.contains { $0.severity == .warning && $0.message.contains("'access_key_secret'") })
        #expect(!built.issues.contains { $0.message.contains("plain-text-secret") })
    }

    @Test func vendorMustBeNamed() {
        let built = TestSettings.make(
            CallQueueChannel.kind, vendor: nil, settings: TestSettings.node(.object(Self.settings)))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains("one of: aliyun_vms, http") }, "\(built.issues)")
        #expect(CallQueueChannel.kind.name == "call_queue")
        #expect(CallQueueChannel.kind.vendors == ["aliyun_vms", "http"])
    }

    // MARK: Checks

    @Test(arguments: [
        "1380013800", "+1 555 0100", "23800138000", "+44 20 7946 0000", "138001380001", "", "+86", "+8612345678",
        "+15551234567", "8613800138000",
    ])
    func badNumbersAreRefused(number: String) throws {
        var message = Self.message
        message.recipient = number
        let problem = try #require(try Self.adapter().check(message))
        #expect(problem.codeName == "invalid_recipient")
        #expect(throws: MessageProblem.self) { try Self.adapter().request(for: message, context: fixedContext) }
    }

    @Test(arguments: [
        ("13800138000", "13800138000"), ("+8613800138000", "13800138000"), ("057188886666", "057188886666"),
        ("+8657188886666", "057188886666"), ("+861012345678", "01012345678"), ("+860101234567", "0101234567"),
    ])
    func mainlandNumbersAreCalledInNationalForm(number: String, called: String) throws {
        var message = Self.message
        message.recipient = number
        #expect(try Self.adapter().check(message) == nil)
        let body = String(decoding: try Self.adapter().request(for: message, context: fixedContext).body, as: UTF8.self)
        #expect(body.contains("&CalledNumber=\(called)&"), "\(body)")
    }

    @Test func templateIsRequiredWithoutADefault() throws {
        var settings = Self.settings
        settings["tts_code"] = nil
        let adapter = try #require(Self.build(settings).adapter)
        var message = Self.message
        message.template = nil
        let problem = try #require(adapter.check(message))
        #expect(problem.codeName == "bad_request" && problem.field == "template")
        #expect(throws: MessageProblem.self) { try adapter.request(for: message, context: fixedContext) }
        #expect(try Self.adapter().check(message) == nil, "the tts_code default applies")
    }

    @Test func malformedTemplateIsRefused() throws {
        var message = Self.message
        message.template = "TTS_1&Action=Other"
        #expect(try Self.adapter().check(message)?.field == "template")
    }

    // MARK: Requests

    @Test func sameInputGivesByteIdenticalRequests() throws {
        let first = try Self.adapter().request(for: Self.message, context: fixedContext)
        let second = try Self.adapter().request(for: Self.message, context: fixedContext)
        #expect(first == second)
        var later = fixedContext
        later.attempt = 2
        let retried = try Self.adapter().request(for: Self.message, context: later)
        #expect(retried.body != first.body, "a retry is signed with a fresh nonce")
    }

    /// The profile signs with the shared module, which reproduces Alibaba's published worked example (vendors.md
    /// §2.1.2, V1); here the example is recomputed so this target fails too if the module changes.
    @Test func signatureModuleMatchesAlibabasWorkedExample() {
        let parameters: [(key: String, value: String)] = [
            ("AccessKeyId", "testId"), ("Action", "SendSms"), ("Format", "XML"), ("OutId", "123"),
            ("PhoneNumbers", "15300000001"), ("RegionId", "cn-hangzhou"), ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"), ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"), ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", #"{"customer":"test"}"#), ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]
        let signed = AlibabaRPCSignature.signedQuery(
            method: "GET", parameters: parameters, accessKeySecret: Secret("testSecret"))
        #expect(signed.hasSuffix("&Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D"))
    }

    @Test func requestCarriesTheSignedParameters() throws {
        let request = try Self.adapter(["play_times": .number("1")]).request(for: Self.message, context: fixedContext)
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(request.method == "POST" && request.url == "https://dyvmsapi.aliyuncs.com/")
        for field in [
            "Action=SingleCallByTts", "CalledNumber=13800138000", "TtsCode=TTS_20001", "PlayTimes=1",
            "OutId=4N7T2RYC5EHG8WJ", "TtsParam=%7B%22amount%22%3A%22100%22%2C%22name%22%3A%22%E5%BC%A0%E4%B8%89%22%7D",
        ] {
            #expect(body.contains(field), "\(field) in \(body)")
        }
        #expect(!body.contains("CalledShowNumber"), "the shared pool when no caller number is set")
    }

    @Test(arguments: [
        ("m-1", "m-1"), ("m01KAXV3Q9ZB4N7T2RYC5EHG8WJ", "4N7T2RYC5EHG8WJ"), ("123456789012345", "123456789012345"),
        ("编号一二三四五六", "二三四五六"),
    ])
    func outIDIsTheMessageIDCutTo15Bytes(id: String, expected: String) {
        #expect(AliyunVMSProfile.outID(id) == expected)
        #expect(AliyunVMSProfile.outID("") == nil)
    }

    // MARK: Secrets

    @Test func secretsNeverAppearInErrorsOrDescriptions() throws {
        let adapter = try Self.adapter()
        var texts = visibleTexts(of: adapter)
        var bad = Self.message
        bad.recipient = "x"
        texts.append(String(describing: adapter.check(bad)))
        bad.recipient = "13800138000"
        bad.template = nil
        texts.append(String(describing: try Self.adapter(["tts_code": .null]).check(bad)))
        for code in AliyunVMSProfile.codeRules.keys {
            let body = #"{"Code":"\#(code)","Message":"m"}"#
            let outcome = adapter.outcome(
                of: VendorResponse(status: 400, body: Array(body.utf8)),
                to: try adapter.request(for: Self.message, context: fixedContext), message: Self.message)
            texts.append(String(describing: outcome))
        }
        let built = Self.build(
            Self.settings.merging(["play_times": .number("9"), "x": .string("credential:y")]) { $1 })
        texts += built.issues.map(\.message)
        for text in texts {
            #expect(!text.contains("test-secret"), "\(text)")
        }
        // The request does carry them: that is where they go.
        let body = String(decoding: try adapter.request(for: Self.message, context: fixedContext).body, as: UTF8.self)
        #expect(body.contains("AccessKeyId=test-secret-vms_access_key_id"))
        #expect(!body.contains("test-secret-vms_access_key_secret"), "the key secret only signs")
    }

    // MARK: Replies

    /// Every documented `Code`, with its category and retry class, written out independently of the table in
    /// the profile (from the README's table, itself from Alibaba's error-code pages).
    static let documentedCodes: [(code: String, category: String, retry: Bool)] = [
        ("isp.SYSTEM_ERROR", "vendor_unavailable", true), ("isp.GATEWAY_ERROR", "vendor_unavailable", true),
        ("InternalError", "vendor_unavailable", true), ("ServiceUnavailable", "vendor_unavailable", true),
        ("isv.VOICE_CALL_FAIL", "vendor_unavailable", true), ("isp.UNKNOWN", "unknown", true),
        ("isv.BUSINESS_LIMIT_CONTROL", "throttled", true), ("Throttling", "throttled", true),
        ("Throttling.User", "throttled", true), ("Throttling.Api", "throttled", true),
        ("isv.VOICE_ROBOT_NOT_PERIOD", "throttled", true), ("isv.VOICE_CALL_PERIOD_ERROR", "throttled", true),
        ("InvalidTimeStamp.Expired", "unknown", true), ("SignatureNonceUsed", "unknown", true),
        ("isv.MOBILE_NUMBER_ILLEGAL", "invalid_recipient", false), ("isv.COMPLAINT_REJECT", "invalid_recipient", false),
        ("ComplaintReject", "invalid_recipient", false), ("isv.TTS_TEMPLATE_ILLEGAL", "content_rejected", false),
        ("isv.TEMPLATE_ILLEGAL", "content_rejected", false), ("isv.TEMPLATE_PARAMS_ILLEGAL", "content_rejected", false),
        ("isv.BLACK_KEY_CONTROL_LIMIT", "content_rejected", false),
        ("isv.VOICE_FILE_ILLEGAL", "content_rejected", false),
        ("isv.DISPLAY_NUMBER_ILLEGAL", "content_rejected", false), ("isv.BILLID_NOT_EXIST", "content_rejected", false),
        ("BillidNotExist", "content_rejected", false), ("isv.AMOUNT_NOT_ENOUGH", "quota_exceeded", false),
        ("isv.AMOUNT_NOT_ENOUG", "quota_exceeded", false), ("isv.OUT_OF_SERVICE", "quota_exceeded", false),
        ("isv.ACCOUNT_ABNORMAL", "quota_exceeded", false), ("isp.RAM_PERMISSION_DENY", "auth_expired", false),
        ("isv.PRODUCT_UN_SUBSCRIPT", "auth_expired", false), ("isv.PRODUCT_UNSUBSCRIBE", "auth_expired", false),
        ("isv.ACCOUNT_NOT_EXISTS", "auth_expired", false), ("isp.RES_OWNER_ID_UNKNOWN", "auth_expired", false),
        ("isp.USER_NOT_EXIST", "auth_expired", false), ("isp.USER_ASSERT_NOT_EXIST", "auth_expired", false),
        ("SignatureDoesNotMatch", "auth_expired", false), ("IncompleteSignature", "auth_expired", false),
        ("InvalidAccessKeyId.NotFound", "auth_expired", false), ("InvalidAccessKeyId.Inactive", "auth_expired", false),
        ("isv.INVALID_PARAMETERS", "unknown", false), ("InvalidParameters", "unknown", false),
        ("MissingParameter", "unknown", false), ("isv.MOBILE_COUNT_OVER_LIMIT", "unknown", false),
        ("isv.VOICE_ROBOT_CALLEE_LIMIT", "unknown", false),
    ]

    @Test func everyMappedCodeIsDocumentedAndClassified() throws {
        let adapter = try Self.adapter()
        let request = try adapter.request(for: Self.message, context: fixedContext)
        #expect(Set(Self.documentedCodes.map(\.code)) == Set(AliyunVMSProfile.codeRules.keys))
        let readme = try fixtures.plugin("README.md")
        for (code, category, retry) in Self.documentedCodes {
            #expect(readme.contains("`\(code)`"), "\(code) is missing from the README's table")
            let body = #"{"Code":"\#(code)","Message":"detail","RequestId":"r"}"#
            for status in [200, 400] {
                let outcome = adapter.outcome(
                    of: VendorResponse(status: status, body: Array(body.utf8)), to: request, message: Self.message)
                let reason = Reason(ReasonCategory(name: category)!, vendorCode: code, detail: "detail")
                let after: Duration? = code == "isv.BUSINESS_LIMIT_CONTROL" ? .seconds(60) : nil
                #expect(outcome == (retry ? .retry(reason, after: after) : .reject(reason)), "\(code) on \(status)")
            }
        }
    }

    @Test func okWithAFailureStatusIsNotAccepted() throws {
        let adapter = try Self.adapter()
        let request = try adapter.request(for: Self.message, context: fixedContext)
        let body = Array(#"{"Code":"OK","CallId":"1^2"}"#.utf8)
        let outcome = adapter.outcome(of: VendorResponse(status: 500, body: body), to: request, message: Self.message)
        #expect(outcome == .retry(Reason(.unknown, vendorCode: "OK")))
    }

    @Test(arguments: [
        (429, SendOutcome.retry(Reason(.throttled, vendorCode: "HTTP 429"))),
        (408, .retry(Reason(.vendorUnavailable, vendorCode: "HTTP 408"))),
        (502, .retry(Reason(.vendorUnavailable, vendorCode: "HTTP 502"))),
        (403, .reject(Reason(.authExpired, vendorCode: "HTTP 403"))),
        (404, .reject(Reason(.unknown, vendorCode: "HTTP 404"))),
        (200, .retry(Reason(.unknown, vendorCode: "HTTP 200", detail: "reply without a Code"))),
    ])
    func repliesWithoutACodeAreClassifiedByStatus(status: Int, expected: SendOutcome) throws {
        let adapter = try Self.adapter()
        let request = try adapter.request(for: Self.message, context: fixedContext)
        let outcome = adapter.outcome(
            of: VendorResponse(status: status, body: Array("<html/>".utf8)), to: request, message: Self.message)
        #expect(outcome == expected)
    }

    // MARK: VoiceReport

    static func callback(_ body: String) -> InboundCallback {
        InboundCallback(method: "POST", path: "", body: Array(body.utf8))
    }

    @Test(arguments: [
        ("not json", "is not JSON"),
        (#""text""#, "expected a JSON array of call records, found a string"),
        (#"[1]"#, "record 1 of 1 is a number, not an object"),
        (#"[{"status_code":"200000"}]"#, "record 1 of 1 has no call_id"),
        (#"[{"call_id":"1^2","status_code":"200000"},{"call_id":"3^4"}]"#, "record 2 of 2 has neither"),
    ])
    func malformedReportsAreRefused(body: String, fragment: String) throws {
        let adapter = try Self.adapter().require((any CallbackParsing).self)
        do {
            _ = try adapter.parseCallback(Self.callback(body))
            Issue.record("expected a problem for \(body)")
        } catch {
            #expect(error.message.contains(fragment), "\(error)")
        }
    }

    @Test func problemsNeverQuoteTheBody() throws {
        let adapter = try Self.adapter().require((any CallbackParsing).self)
        do {
            _ = try adapter.parseCallback(Self.callback(#"[{"callee":"13912345678","status_code":"200000"}]"#))
            Issue.record("expected a problem")
        } catch {
            #expect(!error.message.contains("13912345678"))
        }
    }

    @Test func oneObjectIsOneRecord() throws {
        let adapter = try Self.adapter().require((any CallbackParsing).self)
        let body = #"{"call_id":"1^2","status_code":"200003","callee":"13800138000","out_id":"x"}"#
        let report = try #require(try adapter.parseCallback(Self.callback(body)))
        #expect(
            report.receipts == [
                Receipt(
                    vendorMessageID: "1^2", messageID: "x", recipient: "13800138000", event: .unanswered,
                    vendorStatus: "200003")
            ])
        #expect(report.answer.body == #"{"code":0,"msg":"成功"}"#)
    }

    @Test(arguments: [
        ("CALL_REJECTED", "200002", Receipt.Event.refused), ("ANSWERED", "200001", .answered),
        ("OTHER", "200000", .answered), ("NEW_CODE", "200010", .unanswered), ("USER_BUSY", "200002", .busy),
        (
            "OPERATOR_BLOCK", "200005",
            .failed(
                Reason(
                    .contentRejected, vendorCode: "OPERATOR_BLOCK",
                    detail: "the carrier blocked the call"))
        ),
    ])
    func smartStatusCodeComesFirst(smart: String, status: String, expected: Receipt.Event) {
        #expect(AliyunVMSProfile.event(statusCode: status, smartStatusCode: smart) == expected)
    }

    @Test func onlyARejectedCallIsARefusal() {
        let refusals = AliyunVMSProfile.smartEvents.filter { $0.value == .refused }.map(\.key)
        #expect(refusals == ["CALL_REJECTED"])
        #expect(!AliyunVMSProfile.statusEvents.values.contains(.refused))
    }

    @Test(arguments: [
        ("2023-03-15 14:46:28", Int64(1_678_862_788_000)), ("1970-01-01 08:00:00", 0),
        ("2024-02-29 23:59:59", 1_709_222_399_000), ("2023-3-15 14:46:28", nil), ("", nil),
        ("2023-03-15T14:46:28", nil), ("2023-13-15 14:46:28", nil),
    ])
    func timesAreBeijingTime(text: String, expected: Int64?) {
        #expect(AliyunVMSProfile.beijingMilliseconds(text) == expected)
    }
}
