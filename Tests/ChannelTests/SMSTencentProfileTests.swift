import ChannelKit
import ChannelSMS
import ChannelTesting
import Foundation
import Testing

/// Settings, checks, determinism, secrecy, batching and the code table of the `tencent` profile.
struct SMSTencentProfileTests {
    static let settings: [String: JSONValue] = [
        "secret_id": .string("credential:tencent_id"),
        "secret_key": .string("credential:tencent_key"),
        "sms_sdk_app_id": .string("1400006666"),
        "sign_name": .string("示例银行"),
    ]

    static func build(_ changes: [String: JSONValue?] = [:]) -> (adapter: (any ChannelAdapter)?, issues: [ConfigIssue])
    {
        var members = settings
        for (key, value) in changes { members[key] = value }
        return TestSettings.make(SMSChannel.kind, vendor: "tencent", settings: TestSettings.node(.object(members)))
    }

    static func adapter(_ changes: [String: JSONValue?] = [:]) throws -> any ChannelAdapter {
        let built = build(changes)
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    static let message = OutboundMessage(
        id: "m-1", channel: "sms-tencent", recipient: "13711112222", template: "1110001", params: ["1": "1234"])

    /// A reply with one status for `+8613711112222`.
    static func statusReply(_ code: String) -> VendorResponse {
        VendorResponse(
            status: 200,
            body: Array(
                #"{"Response":{"SendStatusSet":[{"SerialNo":"s","PhoneNumber":"+8613711112222","Code":"\#(code)","#
                    .utf8) + Array(#""Message":"m"}],"RequestId":"r"}}"#.utf8))
    }

    static func errorReply(_ code: String) -> VendorResponse {
        VendorResponse(
            status: 200, body: Array(#"{"Response":{"Error":{"Code":"\#(code)","Message":"m"},"RequestId":"r"}}"#.utf8))
    }

    // MARK: Settings

    @Test func unknownSettingsKeyIsRejected() {
        let built = Self.build(["app_id": .string("1")])
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.hasPrefix("unknown key 'app_id' in 'settings'") }, "\(built.issues)")
    }

    @Test func requiredKeysAreNamed() {
        let built = TestSettings.make(SMSChannel.kind, vendor: "tencent", settings: nil)
        #expect(built.adapter == nil)
        for key in ["secret_id", "secret_key", "sms_sdk_app_id"] {
            #expect(built.issues.contains { $0.message == "missing required key '\(key)' in 'settings'" }, "\(key)")
        }
    }

    @Test(arguments: [
        ("sms_sdk_app_id", JSONValue.string("app-1400006666"), "digits of the SDK AppID"),
        ("endpoint", .string("sms.tencentcloudapi.com"), "'endpoint' must be an http:// or https:// URL"),
        ("endpoint", .string("https:///sms"), "'endpoint' has no host"),
        ("sign_name", .string("【示例银行】"), "without the brackets"),
        ("region", .string("credential:region"), "cannot be a secret reference"),
    ])
    func badSettingIsRejected(key: String, value: JSONValue, fragment: String) {
        let built = Self.build([key: value])
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains(fragment) }, "\(built.issues)")
    }

    @Test func noTokenIsNeeded() throws {
        #expect(try !(Self.adapter() is any AccessTokenProviding))
    }

    // MARK: Checks

    @Test(
        arguments: [
            (["1": "a", "2": "b"], nil), ([:], nil), (["code": "1"], "params.code"),
            (["1": "a", "3": "c"], "params.3"),
            (["0": "a"], "params.0"),
        ] as [([String: String], String?)])
    func parametersArePositional(params: [String: String], field: String?) throws {
        var message = Self.message
        message.params = params
        let adapter = try Self.adapter()
        #expect(adapter.check(message)?.field == field)
        if field != nil {
            #expect(throws: MessageProblem.self) { try adapter.request(for: message, context: fixedContext) }
        }
    }

    @Test(arguments: [
        ("13711112222", true), ("+8613711112222", true), ("+6591234567", true), ("6591234567", false),
        ("+86-137", false),
    ])
    func recipients(number: String, valid: Bool) throws {
        var message = Self.message
        message.recipient = number
        let problem = try Self.adapter().check(message)
        #expect(valid ? problem == nil : problem?.codeName == "invalid_recipient")
    }

    @Test func templateIsRequiredWithoutADefault() throws {
        var message = Self.message
        message.template = nil
        #expect(try Self.adapter().check(message)?.field == "template")
        let request = try Self.adapter(["template_id": .string("449739")]).request(for: message, context: fixedContext)
        #expect(String(decoding: request.body, as: UTF8.self).contains(#""TemplateId":"449739""#))
    }

    // MARK: Determinism and secrecy

    @Test func sameInputTwiceGivesByteIdenticalRequests() throws {
        let first = try Self.adapter().request(for: Self.message, context: fixedContext)
        #expect(first == (try Self.adapter().request(for: Self.message, context: fixedContext)))
        var later = fixedContext
        later.nowMilliseconds += 1000
        let resent = try Self.adapter().request(for: Self.message, context: later)
        #expect(resent.headers.value(named: "X-TC-Timestamp") == "1764000001")
        #expect(resent.headers.value(named: "Authorization") != first.headers.value(named: "Authorization"))
    }

    @Test func secretsNeverAppearInDescriptionsProblemsOrReasons() throws {
        let adapter = try Self.adapter()
        let secretID = TestSettings.secretValue("tencent_id")
        let secretKey = TestSettings.secretValue("tencent_key")
        var texts = visibleTexts(of: adapter)
        var bad = Self.message
        bad.params = ["x": "1"]
        texts.append(String(describing: adapter.check(bad)))
        let request = try adapter.request(for: Self.message, context: fixedContext)
        let response = VendorResponse(
            status: 200,
            body: Array(
                #"{"Response":{"Error":{"Code":"AuthFailure.SecretIdNotFound","Message":"\#(secretID) \#(secretKey)"}}}"#
                    .utf8))
        texts.append(String(describing: adapter.outcome(of: response, to: request, message: Self.message)))
        for text in texts {
            #expect(!text.contains(secretID) && !text.contains(secretKey), "\(text)")
        }
        // The SecretId is on the wire in the Authorization header; the key never is.
        let wire = request.headers.map(\.value).joined() + String(decoding: request.body, as: UTF8.self)
        #expect(wire.contains("Credential=\(secretID)/") && !wire.contains(secretKey))
    }

    // MARK: Codes

    /// Every code of vendors.md 2.2.5 with the class the README documents, then the family fallbacks.
    static let codes: [(code: String, outcome: String)] = [
        ("FailedOperation.SignatureIncorrectOrUnapproved", "reject/content_rejected"),
        ("FailedOperation.TemplateIncorrectOrUnapproved", "reject/content_rejected"),
        ("FailedOperation.PhoneNumberInBlacklist", "reject/invalid_recipient"),
        ("FailedOperation.ContainSensitiveWord", "reject/content_rejected"),
        ("FailedOperation.InsufficientBalanceInSmsPackage", "reject/quota_exceeded"),
        ("FailedOperation.MarketingSendTimeConstraint", "retry/throttled"),
        ("InvalidParameterValue.IncorrectPhoneNumber", "reject/invalid_recipient"),
        ("InvalidParameterValue.ProhibitedUseUrlInTemplateParameter", "reject/content_rejected"),
        ("InvalidParameterValue.TemplateParameterFormatError", "reject/content_rejected"),
        ("LimitExceeded.PhoneNumberThirtySecondLimit", "retry/throttled"),
        ("LimitExceeded.PhoneNumberOneHourLimit", "retry/throttled"),
        ("LimitExceeded.PhoneNumberDailyLimit", "retry/throttled"),
        ("LimitExceeded.PhoneNumberSameContentDailyLimit", "retry/throttled"),
        ("LimitExceeded.AppDailyLimit", "reject/quota_exceeded"),
        ("LimitExceeded.DeliveryFrequencyLimit", "retry/throttled"),
        ("LimitExceeded.PhoneNumberCountLimit", "reject/unknown"),
        ("InternalError.Timeout", "retry/vendor_unavailable"),
        ("InternalError.RequestTimeException", "retry/unknown"),
        ("UnauthorizedOperation.SerivceSuspendDueToArrears", "reject/quota_exceeded"),
        ("AuthFailure.SignatureExpire", "retry/auth_expired"),
        ("AuthFailure.SignatureFailure", "reject/auth_expired"),
        ("RequestLimitExceeded", "retry/throttled"),
        ("AuthFailure.SomethingNew", "reject/auth_expired"),
        ("InternalError.SomethingNew", "retry/vendor_unavailable"),
        ("LimitExceeded.SomethingNew", "retry/throttled"),
        ("FailedOperation.SomethingNew", "reject/unknown"),
    ]

    @Test(arguments: codes)
    func everyDocumentedCodeIsMappedPerNumberAndWhole(code: String, expected: String) throws {
        let adapter = try Self.adapter()
        let request = try adapter.request(for: Self.message, context: fixedContext)
        for reply in [Self.statusReply(code), Self.errorReply(code)] {
            let outcome = adapter.outcome(of: reply, to: request, message: Self.message)
            #expect(outcome.classLabel == expected)
            #expect(outcome.reason?.vendorCode == code)
        }
    }

    @Test func readmeDocumentsEveryCode() throws {
        let readme = try fixtures.plugin("SMS", "README.md")
        for (code, expected) in Self.codes where !code.contains("SomethingNew") {
            let category = expected.split(separator: "/")[1]
            #expect(
                readme.split(separator: "\n").contains { $0.contains("`\(code)`") && $0.contains("`\(category)`") },
                "\(code) → \(category)")
        }
    }

    /// Windows that end at a Beijing time of day are counted from the request's own `X-TC-Timestamp`.
    @Test(
        arguments: [
            // 2025-11-24T23:00:00Z is 07:00 in Beijing.
            (Int64(1_764_025_200_000), "FailedOperation.MarketingSendTimeConstraint", Int64(3600)),
            (1_764_025_200_000, "LimitExceeded.PhoneNumberDailyLimit", 17 * 3600),
            // 2025-11-25T14:30:00Z is 22:30 in Beijing.
            (1_764_081_000_000, "FailedOperation.MarketingSendTimeConstraint", 9 * 3600 + 1800),
            (1_764_081_000_000, "LimitExceeded.PhoneNumberSameContentDailyLimit", 5400),
            (1_764_081_000_000, "LimitExceeded.PhoneNumberOneHourLimit", 3600),
        ] as [(Int64, String, Int64)])
    func waitsUntilTheWindowEnds(now: Int64, code: String, seconds: Int64) throws {
        let adapter = try Self.adapter()
        var context = fixedContext
        context.nowMilliseconds = now
        let request = try adapter.request(for: Self.message, context: context)
        guard
            case .retry(_, let after) = adapter.outcome(of: Self.statusReply(code), to: request, message: Self.message)
        else {
            Issue.record("not a retry")
            return
        }
        #expect(after == .seconds(seconds))
    }

    // MARK: Batches

    @Test func batchKeySeparatesTemplatesParametersAndRegions() throws {
        let adapter = try Self.adapter().require((any Batching).self)
        #expect(adapter.maxBatchSize == 200)
        let key = adapter.batchKey(for: Self.message)
        var other = Self.message
        other.recipient = "+8613900139000"
        other.id = "m-2"
        #expect(adapter.batchKey(for: other) == key)
        for change in [
            { (m: inout OutboundMessage) in m.template = "2" }, { $0.params = ["1": "9999"] },
            { $0.recipient = "+6591234567" },
        ] {
            var changed = other
            change(&changed)
            #expect(adapter.batchKey(for: changed) != key)
            #expect(throws: MessageProblem.self) {
                try adapter.request(for: [Self.message, changed], context: fixedContext)
            }
        }
        let many = (0..<201).map {
            OutboundMessage(id: "m\($0)", channel: "c", recipient: "13800138000", template: "1")
        }
        #expect(throws: MessageProblem.self) { try adapter.request(for: many, context: fixedContext) }
    }

    /// `SessionContext` carries the batch's ids while they fit in 511 bytes, and is left out beyond.
    @Test func sessionContextFitsTheLimit() throws {
        let adapter = try Self.adapter().require((any Batching).self)
        func body(_ count: Int, idLength: Int) throws -> String {
            let messages = (0..<count).map { index in
                var message = Self.message
                message.id = String(repeating: "x", count: idLength - 3) + String(format: "%03d", index)
                message.recipient = "+86137111\(String(format: "%05d", index))"
                return message
            }
            return String(decoding: try adapter.request(for: messages, context: fixedContext).body, as: UTF8.self)
        }
        #expect(try body(16, idLength: 31).contains(#""SessionContext":""#))  // 16 × 31 + 15 = 511 bytes
        #expect(try !body(16, idLength: 32).contains("SessionContext"))  // 527 bytes
    }
}
