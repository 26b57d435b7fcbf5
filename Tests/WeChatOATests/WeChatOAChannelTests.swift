import ChannelKit
import ChannelTesting
import ChannelWeChatOA
import Foundation
import GatewayConfig
import Testing

/// Settings, `check`, determinism, secrets and the documented sample of the `wechat_oa` channel.
struct WeChatOAChannelTests {
    static let secretValue = TestSettings.secretValue("wechat_oa_app_secret")

    static let settings: [String: JSONValue] = [
        "app_id": .string("wx1234567890abcdef"),
        "app_secret": .string("credential:wechat_oa_app_secret"),
    ]

    static let message = OutboundMessage(
        id: "m-1", channel: "wechat-golden", recipient: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        template: "TPL_1", params: ["keyword1": "尾号 8888", "keyword2": "¥1,200.00", "remark": "谢谢"],
        url: "https://bank.example.cn/n/1"
    )

    static func adapter(vendor: String = "template", _ extra: [String: JSONValue] = [:]) throws -> any ChannelAdapter {
        let built = TestSettings.wechat(vendor: vendor, json: .object(settings.merging(extra) { $1 }))
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    /// The error messages of building with these settings.
    static func errors(vendor: String? = "template", _ settings: [String: JSONValue]) -> [String] {
        TestSettings.wechat(vendor: vendor, json: .object(settings)).issues.filter { $0.severity == .error }
            .map(\.message)
    }

    // MARK: Kind and settings

    @Test func kindListsBothAPIs() {
        #expect(WeChatOAChannel.kind.name == "wechat_oa")
        #expect(WeChatOAChannel.kind.vendors == ["template", "subscribe"])
    }

    @Test(arguments: [nil, "sms"])
    func vendorMustNameAnAPI(vendor: String?) {
        let built = TestSettings.wechat(vendor: vendor, json: .object(Self.settings))
        #expect(built.adapter == nil)
        #expect(
            built.issues.map(\.message) == [
                "channel type 'wechat_oa' needs 'vendor' set to one of: template, subscribe"
            ])
    }

    @Test func unknownSettingsKeyIsRejected() {
        var settings = Self.settings
        settings["appsecret"] = .string("x")
        let errors = Self.errors(settings)
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("unknown key 'appsecret' in 'settings'") == true, "\(errors)")
    }

    @Test func missingSettingsAreNamed() {
        let built = TestSettings.make(
            WeChatOAChannel.kind, vendor: "template", settings: nil, instance: "wechat-golden")
        #expect(built.adapter == nil)
        #expect(
            built.issues.map(\.message) == [
                "missing required key 'app_id' in 'settings'", "missing required key 'app_secret' in 'settings'",
            ])
    }

    @Test func inlineSecretLoadsWithAWarning() {
        var settings = Self.settings
        settings["app_secret"] = .string("inline-secret-value")
        let built = TestSettings.wechat(vendor: "subscribe", json: .object(settings))
        #expect(built.adapter != nil)
        #expect(built.issues.map(\.severity) == [.warning])
        #expect(!built.issues.description.contains("inline-secret-value"))
    }

    @Test(arguments: [
        ("app_id", JSONValue.string("credential:app"), "'app_id' cannot be a secret reference"),
        ("app_id", .string("wx 123"), "'app_id' must be an app id"),
        ("endpoint", .string("ftp://api.weixin.qq.com"), "'endpoint' must be a base URL"),
        ("endpoint", .string("https://api.weixin.qq.com/?x=1"), "'endpoint' must be a base URL"),
        ("miniprogram_app_id", .string("wx/1"), "'miniprogram_app_id' must be an app id"),
        ("miniprogram_page_path", .string("pages/a"), "'miniprogram_page_path' needs 'miniprogram_app_id'"),
    ])
    func badSettingIsRejected(key: String, value: JSONValue, prefix: String) {
        var settings = Self.settings
        settings[key] = value
        let errors = Self.errors(settings)
        #expect(errors.count == 1 && errors.first?.hasPrefix(prefix) == true, "\(errors)")
    }

    // MARK: check

    @Test(arguments: [
        ("to", "invalid_recipient", "to"),
        ("to-long", "invalid_recipient", "to"),
        ("template", "bad_request", "template"),
        ("params", "bad_request", "params"),
        ("params-dot", "bad_request", "params.keyword1.DATA"),
        ("page-without-miniprogram", "bad_request", "params.miniprogram.pagepath"),
        ("url", "bad_request", "url"),
    ])
    func checkRefusesUnsendable(change: String, code: String, field: String) throws {
        var message = Self.message
        switch change {
        case "to": message.recipient = "oUpF8uMu AJO"
        case "to-long": message.recipient = String(repeating: "o", count: 65)
        case "template": message.template = ""
        case "params": message.params = ["miniprogram.pagepath": "pages/a"]
        case "params-dot": message.params["keyword1.DATA"] = "x"
        case "page-without-miniprogram": message.params["miniprogram.pagepath"] = "pages/a"
        default: message.url = "javascript:alert(1)"
        }
        for vendor in ["template", "subscribe"] {
            let adapter = try Self.adapter(vendor: vendor)
            let problem = try #require(adapter.check(message))
            #expect(problem.codeName == code)
            #expect(problem.field == field)
            // `request` refuses the same message, with the same problem.
            #expect(throws: problem) { try adapter.request(for: message, context: fixedContext) }
        }
    }

    @Test func checkAcceptsAGoodMessage() throws {
        var message = Self.message
        message.url = nil
        #expect(try Self.adapter().check(message) == nil)
        message.params["miniprogram.pagepath"] = "pages/a"
        #expect(try Self.adapter(["miniprogram_app_id": .string("wxabcdef1234567890")]).check(message) == nil)
    }

    @Test func requestNeedsAnAccessToken() throws {
        var context = fixedContext
        context.accessToken = nil
        #expect(throws: MessageProblem.self) { try Self.adapter().request(for: Self.message, context: context) }
    }

    // MARK: Determinism and secrets

    @Test(arguments: ["template", "subscribe"])
    func sameInputGivesIdenticalRequests(vendor: String) throws {
        var params = Self.message.params
        for index in 0..<40 { params["field\(index)"] = "value \(index)" }
        var message = Self.message
        message.params = params
        let first = try Self.adapter(vendor: vendor, ["miniprogram_app_id": .string("wxabcdef1234567890")])
        let second = try Self.adapter(vendor: vendor, ["miniprogram_app_id": .string("wxabcdef1234567890")])
        let one = try first.request(for: message, context: fixedContext)
        let two = try second.request(for: message, context: fixedContext)
        #expect(one == two)
        #expect(one.body == (try first.request(for: message, context: fixedContext)).body)
        #expect(
            try first.require((any AccessTokenProviding).self).tokenStep(context: fixedContext)
                == (try second.require((any AccessTokenProviding).self).tokenStep(context: fixedContext)))
        // Sorted keys: the body is the same text however the dictionary was built.
        let body = String(decoding: one.body, as: UTF8.self)
        #expect(body == (try JSONParser.parse(one.body)).serialized)
    }

    @Test func secretGoesOnlyIntoTheTokenRequest() throws {
        let adapter = try Self.adapter()
        let token = try #require(
            try adapter.require((any AccessTokenProviding).self).tokenStep(context: fixedContext).fetchRequest)
        #expect(String(decoding: token.body, as: UTF8.self).contains(Self.secretValue))
        #expect(!token.url.contains(Self.secretValue))
        let send = try adapter.request(for: Self.message, context: fixedContext)
        #expect(!String(decoding: send.body, as: UTF8.self).contains(Self.secretValue))
        #expect(!send.url.contains(Self.secretValue))
    }

    @Test(arguments: ["template", "subscribe"])
    func secretNeverPrints(vendor: String) throws {
        let adapter = try Self.adapter(vendor: vendor)
        for text in visibleTexts(of: adapter) {
            #expect(!text.contains(Self.secretValue), "\(text)")
            #expect(!text.contains(fixtureAccessToken), "\(text)")
        }
        #expect(String(describing: adapter) == "WeChatOAChannel(instance: wechat-golden, vendor: \(vendor))")

        // Problems and reasons, including replies that echo the secret back.
        var context = fixedContext
        context.accessToken = nil
        do {
            _ = try adapter.request(for: Self.message, context: context)
            Issue.record("expected a problem")
        } catch {
            #expect(!error.description.contains(Self.secretValue))
        }
        let echo = VendorResponse(
            status: 200, body: Array(#"{"errcode":40013,"errmsg":"bad \#(Self.secretValue)"}"#.utf8))
        let request = try adapter.request(for: Self.message, context: fixedContext)
        let outcome = adapter.outcome(of: echo, to: request, message: Self.message)
        #expect(outcome == .reject(Reason(.authExpired, vendorCode: "40013", detail: "invalid appid")))
        #expect(!"\(outcome)".contains(Self.secretValue))
        let tokenResult = try adapter.require((any AccessTokenProviding).self).token(from: echo, context: fixedContext)
        #expect(!"\(tokenResult)".contains(Self.secretValue))

        // A configuration problem beside the secret does not show it.
        var settings = Self.settings
        settings["app_secret"] = .string("inline-\(Self.secretValue)")
        settings["endpoint"] = .string("nope")
        let issues = TestSettings.wechat(vendor: vendor, json: .object(settings)).issues
        #expect(!issues.isEmpty)
        #expect(!issues.description.contains(Self.secretValue))
    }

    @Test func issuedTokenIsASecret() throws {
        let reply = VendorResponse(status: 200, body: Array(#"{"access_token":"TOK-123","expires_in":7200}"#.utf8))
        let result = try Self.adapter().require((any AccessTokenProviding).self).token(
            from: reply, context: fixedContext)
        guard case .issued(let token) = result else {
            Issue.record("expected a token, got \(result)")
            return
        }
        #expect(token.value.reveal() == "TOK-123")
        #expect(!"\(result)".contains("TOK-123"))
    }

    // MARK: The documented sample

    @Test func readmeYAMLBlockIsTheSample() throws {
        let sample = try fixtures.plugin("sample.yaml")
        #expect(!sample.isEmpty)
        #expect(Markdown.fencedBlock(in: try fixtures.plugin("README.md")) == sample)
    }

    /// `sample.yaml` loads through the real loader (YAML, secret resolution, the kind) and sends a template
    /// message whose tap opens its mini program page.
    @Test func sampleLoadsAndSends() throws {
        let loaded = try LoadedInstance(
            yaml: try fixtures.plugin("sample.yaml"), kinds: [WeChatOAChannel.kind], instance: "wechat-oa", gateway: "",
            keyFiles: ["wechat_oa_app_secret": "sample-secret\n"])
        defer { loaded.remove() }
        let result = loaded.result
        #expect(result.issues.isEmpty, "\(result.issues)")
        let channel = try #require(result.configuration?.channels.first)
        #expect(channel.kind == "wechat_oa" && channel.vendor == "template")

        let token = try #require(
            try channel.adapter.require((any AccessTokenProviding).self).tokenStep(context: fixedContext).fetchRequest)
        #expect(token.url == "https://api.weixin.qq.com/cgi-bin/stable_token")
        #expect(
            String(decoding: token.body, as: UTF8.self)
                == #"{"appid":"wx1234567890abcdef","force_refresh":false,"grant_type":"client_credential","secret":"sample-secret"}"#
        )
        let request = try channel.adapter.request(for: Self.message, context: fixedContext)
        let body = try JSONParser.parse(request.body)
        #expect(
            body["miniprogram"]
                == .object(["appid": .string("wxabcdef1234567890"), "pagepath": .string("pages/notice/index")]))
        #expect(body["client_msg_id"] == .string("m-1"))
    }
}
