import ChannelKit
import ChannelSMS
import ChannelTesting
import Foundation
import GatewayConfig
import Testing

/// Settings, checks, determinism, secrecy and the code table of the `aliyun` profile.
struct SMSAliyunProfileTests {
    static let settings: [String: JSONValue] = [
        "access_key_id": .string("credential:aliyun_id"),
        "access_key_secret": .string("credential:aliyun_secret"),
        "sign_name": .string("示例银行"),
    ]

    static func build(_ changes: [String: JSONValue?] = [:]) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue])
    {
        var members = settings
        for (key, value) in changes { members[key] = value }
        return TestSettings.make(SMSChannel.kind, vendor: "aliyun", settings: TestSettings.node(.object(members)))
    }

    static func adapter(_ changes: [String: JSONValue?] = [:]) throws -> any ChannelAdapter {
        let built = build(changes)
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    static let message = OutboundMessage(
        id: "m-1", channel: "sms-aliyun", recipient: "+8613800138000", template: "SMS_1", params: ["code": "1234"])

    static func reply(_ code: String, status: Int = 200) -> VendorResponse {
        VendorResponse(status: status, body: Array(#"{"Code":"\#(code)","Message":"m","RequestId":"r"}"#.utf8))
    }

    // MARK: Settings

    @Test func unknownSettingsKeyIsRejected() {
        let built = Self.build(["access_key": .string("x")])
        #expect(built.adapter == nil)
        #expect(
            built.issues.contains { $0.message.hasPrefix("unknown key 'access_key' in 'settings'") }, "\(built.issues)")
    }

    @Test func requiredKeysAreNamed() {
        let built = TestSettings.make(SMSChannel.kind, vendor: "aliyun", settings: nil)
        #expect(built.adapter == nil)
        for key in ["access_key_id", "access_key_secret", "sign_name"] {
            #expect(built.issues.contains { $0.message == "missing required key '\(key)' in 'settings'" }, "\(key)")
        }
    }

    @Test(arguments: [
        ("endpoint", JSONValue.string("dysmsapi.aliyuncs.com"), "'endpoint' must be an http:// or https:// URL"),
        ("endpoint", .string("https://dysmsapi.aliyuncs.com/?x=1"), "'endpoint' must be an http:// or https:// URL"),
        ("sign_name", .string("【示例银行】"), "without the brackets"),
        ("sign_name", .string("credential:sign"), "cannot be a secret reference"),
        ("template_code", .string("  "), "must not be blank"),
    ])
    func badSettingIsRejected(key: String, value: JSONValue, fragment: String) {
        let built = Self.build([key: value])
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains(fragment) }, "\(built.issues)")
    }

    @Test func inlineSecretIsWarnedAbout() {
        let built = Self.build(["access_key_secret": .string("plain-text-secret")])
        #expect(built.adapter != nil)
        #expect(built.issues.contains { $0.severity == .warning && $0.message.contains("'access_key_secret'") })
        #expect(!built.issues.contains { $0.message.contains("plain-text-secret") })
    }

    @Test func noTokenIsNeeded() throws {
        #expect(try !(Self.adapter() is any AccessTokenProviding))
    }

    // MARK: Checks

    @Test(arguments: ["13800138000", "+8613800138000", "+85291234567", "+14155550123"])
    func validNumbersPass(number: String) throws {
        var message = Self.message
        message.recipient = number
        #expect(try Self.adapter().check(message) == nil)
    }

    @Test(arguments: ["1380013800", "23800138000", "+0123456789", "8613800138000x", "", "+86 13800138000"])
    func invalidNumbersAreRefused(number: String) throws {
        var message = Self.message
        message.recipient = number
        let adapter = try Self.adapter()
        #expect(adapter.check(message)?.codeName == "invalid_recipient")
        #expect(throws: MessageProblem.self) { try adapter.request(for: message, context: fixedContext) }
    }

    @Test func templateIsRequiredWithoutADefault() throws {
        var message = Self.message
        message.template = nil
        #expect(try Self.adapter().check(message)?.field == "template")
        #expect(try Self.adapter(["template_code": .string("SMS_9")]).check(message) == nil)
        let request = try Self.adapter(["template_code": .string("SMS_9")]).request(for: message, context: fixedContext)
        #expect(String(decoding: request.body, as: UTF8.self).contains("&TemplateCode=SMS_9&"))
    }

    // MARK: Determinism and secrecy

    @Test func sameInputTwiceGivesByteIdenticalRequests() throws {
        let first = try Self.adapter().request(for: Self.message, context: fixedContext)
        let second = try Self.adapter().request(for: Self.message, context: fixedContext)
        #expect(first == second)
        let batch = [
            Self.message, OutboundMessage(id: "m-2", channel: "c", recipient: "13900139000", template: "SMS_1"),
        ]
        #expect(
            try Self.adapter().require((any Batching).self).request(for: batch, context: fixedContext)
                == Self.adapter().require((any Batching).self).request(for: batch, context: fixedContext))
        // The nonce and the time come from the context: another attempt is signed anew.
        var later = fixedContext
        later.attempt = 2
        let retried = try Self.adapter().request(for: Self.message, context: later)
        #expect(retried.body != first.body)
        #expect(String(decoding: retried.body, as: UTF8.self).contains("SignatureNonce=000000000000002a-2&"))
    }

    @Test func secretsNeverAppearInDescriptionsProblemsOrReasons() throws {
        // A key id with characters Alibaba percent-encodes, so its encoded forms are distinct.
        let adapter = try Self.adapter(["access_key_id": .string("credential:aliyun/id+x")])
        let keyID = TestSettings.secretValue("aliyun/id+x")
        let keySecret = TestSettings.secretValue("aliyun_secret")
        let forbidden = [keyID, AlibabaQuote.once(keyID), AlibabaQuote.twice(keyID), keySecret]
        var texts = visibleTexts(of: adapter)
        var bad = Self.message
        bad.recipient = "x"
        texts.append(String(describing: adapter.check(bad)))
        let request = try adapter.request(for: Self.message, context: fixedContext)
        // The vendor quotes the string to sign, which holds the key id percent-encoded twice.
        let quoted = forbidden.joined(separator: " ")
        let response = VendorResponse(
            status: 400,
            body: Array(#"{"Code":"SignatureDoesNotMatch","Message":"string to sign is: \#(quoted)"}"#.utf8))
        let outcome = adapter.outcome(of: response, to: request, message: Self.message)
        #expect(outcome.reason?.detail?.hasPrefix("string to sign is: <redacted>") == true, "\(outcome)")
        texts.append(String(describing: outcome))
        for text in texts {
            for value in forbidden { #expect(!text.contains(value), "\(text)") }
        }
        // On the wire: the key id (encoded once) in the body; the secret only as a signature.
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body.contains("AccessKeyId=\(AlibabaQuote.once(keyID))&") && !body.contains(keySecret))
    }

    // MARK: Codes

    /// Every code of vendors.md 2.1.6 and the gateway codes of 2.1.5, with the class the README documents.
    static let codes: [(code: String, outcome: String)] = [
        ("isp.SYSTEM_ERROR", "retry/vendor_unavailable"),
        ("isv.BUSINESS_LIMIT_CONTROL", "retry/throttled"),
        ("isv.DAY_LIMIT_CONTROL", "reject/quota_exceeded"),
        ("isv.MONTH_LIMIT_CONTROL", "reject/quota_exceeded"),
        ("isv.AMOUNT_NOT_ENOUGH", "reject/quota_exceeded"),
        ("isv.OUT_OF_SERVICE", "reject/quota_exceeded"),
        ("isv.MOBILE_NUMBER_ILLEGAL", "reject/invalid_recipient"),
        ("isv.MOBILE_COUNT_OVER_LIMIT", "reject/unknown"),
        ("isv.SMS_TEMPLATE_ILLEGAL", "reject/content_rejected"),
        ("isv.SMS_SIGNATURE_ILLEGAL", "reject/content_rejected"),
        ("isv.SMS_SIGNATURE_SCENE_ILLEGAL", "reject/content_rejected"),
        ("isv.SIGN_STATE_ILLEGAL", "reject/content_rejected"),
        ("isv.TEMPLATE_MISSING_PARAMETERS", "reject/content_rejected"),
        ("isv.INVALID_JSON_PARAM", "reject/content_rejected"),
        ("isv.INVALID_PARAMETERS", "reject/content_rejected"),
        ("isv.PARAM_LENGTH_LIMIT", "reject/content_rejected"),
        ("isv.PARAM_NOT_SUPPORT_URL", "reject/content_rejected"),
        ("isv.BLACK_KEY_CONTROL_LIMIT", "reject/content_rejected"),
        ("isv.SMS_CONTENT_ILLEGAL", "reject/content_rejected"),
        ("isv.DENY_IP_RANGE", "reject/auth_expired"),
        ("isp.RAM_PERMISSION_DENY", "reject/auth_expired"),
        ("SignatureDoesNotMatch", "reject/auth_expired"),
        ("InvalidAccessKeyId.NotFound", "reject/auth_expired"),
        ("InvalidTimeStamp.Expired", "retry/auth_expired"),
        ("SignatureNonceUsed", "retry/unknown"),
        ("MissingParameter", "reject/unknown"),
        ("Throttling.User", "retry/throttled"),
        ("Throttling", "retry/throttled"),
        ("isp.SOMETHING_NEW", "retry/vendor_unavailable"),
        ("isv.SOMETHING_NEW", "reject/unknown"),
    ]

    @Test(arguments: codes)
    func everyDocumentedCodeIsMapped(code: String, expected: String) throws {
        let adapter = try Self.adapter()
        let request = try adapter.request(for: Self.message, context: fixedContext)
        let status = code.hasPrefix("is") ? 200 : 400
        let outcome = adapter.outcome(of: Self.reply(code, status: status), to: request, message: Self.message)
        #expect(outcome.classLabel == expected)
        #expect(outcome.reason?.vendorCode == code)
    }

    @Test func readmeDocumentsEveryCode() throws {
        let readme = try fixtures.plugin("SMS", "README.md")
        for (code, expected) in Self.codes where !code.contains("SOMETHING_NEW") {
            let category = expected.split(separator: "/")[1]
            #expect(
                readme.split(separator: "\n").contains { $0.contains("`\(code)`") && $0.contains("`\(category)`") },
                "\(code) → \(category)")
        }
    }

    @Test func okOnAFailureStatusIsNotAccepted() throws {
        let adapter = try Self.adapter()
        let request = try adapter.request(for: Self.message, context: fixedContext)
        #expect(
            adapter.outcome(of: Self.reply("OK", status: 500), to: request, message: Self.message).classLabel
                == "retry/vendor_unavailable")
    }

    // MARK: Batches

    @Test func batchKeyIsTheTemplate() throws {
        let adapter = try Self.adapter().require((any Batching).self)
        #expect(adapter.maxBatchSize == 100)
        var other = Self.message
        other.recipient = "13900139000"
        other.params = ["code": "9"]
        #expect(adapter.batchKey(for: other) == adapter.batchKey(for: Self.message))
        other.template = "SMS_2"
        #expect(adapter.batchKey(for: other) != adapter.batchKey(for: Self.message))
        #expect(throws: MessageProblem.self) {
            try adapter.request(for: [Self.message, other], context: fixedContext)
        }
        let many = (0..<101).map {
            OutboundMessage(id: "m\($0)", channel: "c", recipient: "13800138000", template: "T")
        }
        #expect(throws: MessageProblem.self) { try adapter.request(for: many, context: fixedContext) }
    }

    /// A batch of one is an ordinary `SendSms` carrying the message's `OutId`.
    @Test func batchOfOneIsASendSms() throws {
        let adapter = try Self.adapter().require((any Batching).self)
        let request = try adapter.request(for: [Self.message], context: fixedContext)
        #expect(request == (try adapter.request(for: Self.message, context: fixedContext)))
        #expect(String(decoding: request.body, as: UTF8.self).contains("&OutId=m-1&"))
    }
}

/// Alibaba's percent-encoding, as a vendor message might quote it.
enum AlibabaQuote {
    static func twice(_ text: String) -> String { once(once(text)) }

    static func once(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~")))
            ?? text
    }
}

extension SendOutcome {
    /// `outcome/category` (`accepted` alone), as the fixtures' coverage lists spell it.
    var classLabel: String {
        switch self {
        case .accepted: "accepted"
        case .retry(let reason, _): "retry/\(reason.category.name)"
        case .reject(let reason): "reject/\(reason.category.name)"
        case .partial: "partial"
        }
    }

    /// The reason of a retry or reject.
    var reason: Reason? {
        switch self {
        case .retry(let reason, _), .reject(let reason): reason
        default: nil
        }
    }
}
