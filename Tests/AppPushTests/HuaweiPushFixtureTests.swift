import ChannelKit
import ChannelTesting
import Testing

@testable import ChannelAppPush

/// Golden cases for `vendor: huawei`: one folder per case under `Fixtures/huawei/` (see `generate.py` there).
/// Send cases hold `messages.json`; token cases hold `token-request.expected.json`.
struct HuaweiPushFixtureTests {
    static let vendor = "huawei"

    @Test("huawei send golden case", arguments: fixtures.cases(vendor, having: "messages.json"))
    func sendCase(_ name: String) throws {
        try batchGoldenCases.send(Self.vendor, name, vendor: Self.vendor)
    }

    @Test("huawei token golden case", arguments: fixtures.cases(vendor, having: "token-request.expected.json"))
    func tokenCase(_ name: String) throws {
        try batchGoldenCases.token(
            Self.vendor, name, vendor: Self.vendor, requestFile: "token-request.expected.json",
            responseFile: "token-response.json")
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = fixtures.cases(Self.vendor, having: "settings.json")
        #expect(names.count >= 20)
        for name in names {
            let source = try fixtures.text(Self.vendor, name, "SOURCE")
            #expect(source.contains("vendors.md") || source.contains("huawei.com"), "\(name)/SOURCE")
        }
    }

    /// Every code in the table has a case whose reply carries it and whose outcome has the table's category
    /// and retry class.
    @Test func everyMappedCodeHasAFixture() throws {
        let seen = try fixtures.outcomesByVendorCode(Self.vendor)
        for (code, entry) in HuaweiPushProfile.codeTable {
            #expect(seen[code]?["category"]?.stringValue == entry.category.name, "code \(code)")
            #expect(seen[code]?["outcome"]?.stringValue == (entry.retries ? "retry" : "reject"), "code \(code)")
        }
        #expect(seen[HuaweiPushProfile.partialCode] != nil)
    }
}

/// Settings, checks, tokens, batching and secrecy of `vendor: huawei`.
struct HuaweiPushProfileTests {
    static let settings = #"{"app_id": "101234567", "client_secret": "credential:hms_secret"}"#
    static let secret = TestSettings.secretValue("hms_secret")

    static func message(_ id: String = "m-1", to: String = "tok1") -> OutboundMessage {
        OutboundMessage(id: id, channel: "push", recipient: to, content: "Body", title: "Title")
    }

    static func reply(_ status: Int, _ body: String) -> VendorResponse {
        VendorResponse(
            status: status, headers: [HTTPHeader("Content-Type", "application/json")], body: Array(body.utf8))
    }

    /// 80200003 must make the core drop its token and retry once: `.retry` with `auth_expired`.
    @Test func expiredTokenReplyAsksForANewToken() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "huawei", json: Self.settings)
        let request = try adapter.request(for: Self.message(), context: goldenContext)
        let outcome = adapter.outcome(
            of: Self.reply(401, #"{"code":"80200003","msg":"Oauth token expired","requestId":"1"}"#), to: request,
            message: Self.message())
        #expect(
            outcome == .retry(Reason(.authExpired, vendorCode: "80200003", detail: "Oauth token expired")))
    }

    @Test func sendsWithoutATokenFail() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "huawei", json: Self.settings)
        var context = goldenContext
        context.accessToken = nil
        #expect(throws: MessageProblem.self) { try adapter.request(for: Self.message(), context: context) }
    }

    @Test func accessTokenGoesInTheBearerHeader() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "huawei", json: Self.settings)
        var context = goldenContext
        context.accessToken = Secret("fresh-token")
        let request = try adapter.request(for: Self.message(), context: context)
        #expect(request.headers.value(named: "Authorization") == "Bearer fresh-token")
    }

    @Test func tokenExpiryFollowsTheContextClock() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "huawei", json: Self.settings)
            .require((any AccessTokenProviding).self)
        let context = RequestContext(nowMilliseconds: 5_000, nonce: 1, attempt: 1)
        let result = adapter.token(
            from: Self.reply(200, #"{"access_token":"abc","expires_in":60,"token_type":"Bearer"}"#), context: context)
        #expect(result == .issued(AccessToken(value: Secret("abc"), expiresAtMilliseconds: 65_000)))
        for body in [#"{"access_token":"","expires_in":60}"#, #"{"access_token":"abc","expires_in":0}"#, "<html>"] {
            guard case .failed(let reason) = adapter.token(from: Self.reply(200, body), context: context) else {
                Issue.record("accepted \(body)")
                continue
            }
            #expect(reason.category == .unknown)
        }
    }

    @Test func unknownSettingsKeyIsRejected() throws {
        let issues = try TestSettings.issues(
            AppPushChannel.kind, vendor: "huawei",
            json: #"{"app_id": "1", "client_secret": "credential:s", "appid": "1"}"#)
        #expect(issues.contains { $0.severity == .error && $0.message.hasPrefix("unknown key 'appid'") }, "\(issues)")
    }

    @Test func missingKeysAreNamed() throws {
        let issues = try TestSettings.issues(AppPushChannel.kind, vendor: "huawei", json: "{}")
        #expect(issues.contains { $0.message == "missing required key 'app_id' in 'settings'" })
        #expect(issues.contains { $0.message == "missing required key 'client_secret' in 'settings'" })
    }

    @Test(arguments: [
        (#""app_id": "1/2""#, "'app_id' must be"),
        (#""client_id": "a b""#, "'client_id' must be"),
        (#""ttl": "16d""#, "'ttl' must be between"),
        (#""urgency": "high""#, "invalid value 'high' for 'urgency'"),
        (#""token_endpoint": "oauth-login.cloud.huawei.com""#, "'token_endpoint' must be an http"),
        (#""badge_class": "com.example Main""#, "'badge_class' must be"),
    ])
    func badValuesAreReported(extra: String, fragment: String) throws {
        // JSONParser keeps the last of repeated keys, so `extra` may override app_id.
        let json = #"{"app_id": "101", "client_secret": "credential:s", "# + extra + "}"
        let issues = try TestSettings.issues(AppPushChannel.kind, vendor: "huawei", json: json)
        #expect(issues.contains { $0.severity == .error && $0.message.contains(fragment) }, "\(issues)")
    }

    @Test func sameInputTwiceGivesIdenticalRequests() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "huawei", json: Self.settings)
        var other = goldenContext
        other.nowMilliseconds = 1
        other.nonce = 7
        other.attempt = 2
        let messages = (1...3).map { Self.message("m-\($0)", to: "tok\($0)") }
        let batching = try adapter.require((any Batching).self)
        #expect(
            try batching.request(for: messages, context: goldenContext)
                == batching.request(for: messages, context: other))
        let tokens = try adapter.require((any AccessTokenProviding).self)
        #expect(try tokens.tokenStep(context: goldenContext) == tokens.tokenStep(context: other))
    }

    @Test func secretsNeverShow() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "huawei", json: Self.settings)
        var texts = visibleTexts(of: adapter)
        let bad = OutboundMessage(id: "m", channel: "push", recipient: "", content: nil)
        texts.append(String(describing: adapter.check(bad)))
        do {
            _ = try adapter.request(for: bad, context: goldenContext)
        } catch {
            texts.append(error.description)
        }
        let tokens = try adapter.require((any AccessTokenProviding).self)
        if case .fetch(let request) = try tokens.tokenStep(context: goldenContext) {
            texts.append(String(describing: TokenStep.fetch(VendorRequest(method: request.method, url: request.url))))
        }
        let issued = tokens.token(
            from: Self.reply(200, #"{"access_token":"issued-token-value","expires_in":3600}"#),
            context: goldenContext)
        texts.append(String(describing: issued))
        for name in fixtures.cases("huawei", having: "response.json") {
            let response = VendorResponse(fixture: try fixtures.json("huawei", name, "response.json"))
            let request = try adapter.request(for: Self.message(), context: goldenContext)
            texts.append(String(describing: adapter.outcome(of: response, to: request, message: Self.message())))
        }
        let issues = try TestSettings.issues(
            AppPushChannel.kind, vendor: "huawei",
            json: #"{"app_id": "1", "client_secret": "inline-secret-value", "x": 1}"#)
        texts += issues.map(\.description)
        #expect(texts.count > 10)
        for text in texts {
            for hidden in [Self.secret, goldenAccessToken, "issued-token-value", "inline-secret-value"] {
                #expect(!text.contains(hidden), "\(text)")
            }
        }
    }

    @Test func checkRejectsUnsendableMessages() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "huawei", json: Self.settings)
        #expect(adapter.check(Self.message(to: ""))?.codeName == "invalid_recipient")
        #expect(adapter.check(Self.message(to: "tok en"))?.codeName == "invalid_recipient")
        #expect(adapter.check(Self.message(to: String(repeating: "t", count: 513)))?.codeName == "invalid_recipient")
        var noTitle = Self.message()
        noTitle.title = nil
        #expect(adapter.check(noTitle)?.field == "title")
        var noBody = Self.message()
        noBody.content = nil
        #expect(adapter.check(noBody)?.field == "content")
        // A badge needs the launcher class Push Kit asks for.
        var badge = Self.message()
        badge.params["badge"] = "3"
        #expect(adapter.check(badge)?.field == "params.badge")
        #expect(throws: MessageProblem.self) { try adapter.request(for: badge, context: goldenContext) }
        let withClass = try TestSettings.adapter(
            AppPushChannel.kind, vendor: "huawei",
            json: #"{"app_id": "101234567", "client_secret": "credential:s", "badge_class": "com.example.Main"}"#)
        #expect(withClass.check(badge) == nil)
    }

    @Test func batchesShareOneNotificationAndOnlySinglesCarryTheID() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "huawei", json: Self.settings)
            .require((any Batching).self)
        #expect(adapter.maxBatchSize == 1000)
        let a = Self.message("m-1", to: "t1")
        var b = Self.message("m-2", to: "t2")
        #expect(adapter.batchKey(for: a) == adapter.batchKey(for: b))
        let single = try adapter.request(for: a, context: goldenContext)
        #expect(String(decoding: single.body, as: UTF8.self).contains(#""bi_tag":"m-1""#))
        let pair = try adapter.request(for: [a, b], context: goldenContext)
        #expect(!String(decoding: pair.body, as: UTF8.self).contains("bi_tag"))
        b.title = "Other"
        #expect(adapter.batchKey(for: a) != adapter.batchKey(for: b))
        #expect(throws: MessageProblem.self) { try adapter.request(for: [a, b], context: goldenContext) }
        let tooMany = (0...1000).map { Self.message("m-\($0)", to: "t\($0)") }
        #expect(throws: MessageProblem.self) { try adapter.request(for: tooMany, context: goldenContext) }
    }

    /// A batch reply that names a token not in the batch still gives one outcome per recipient.
    @Test func partialReplyGivesOneOutcomePerRecipient() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "huawei", json: Self.settings)
            .require((any Batching).self)
        let messages = (1...2).map { Self.message("m-\($0)", to: "t\($0)") }
        let request = try adapter.request(for: messages, context: goldenContext)
        let body =
            #"{"code":"80100000","msg":"{\"success\":1,\"failure\":1,\"illegal_tokens\":[\"t2\",\"zz\"]}","requestId":"9"}"#
        guard case .partial(let outcomes) = adapter.outcome(of: Self.reply(200, body), to: request, messages: messages)
        else {
            Issue.record("not partial")
            return
        }
        #expect(outcomes.map(\.recipient) == ["t1", "t2"])
        #expect(outcomes[0].outcome == .accepted(vendorMessageID: "9"))
        #expect(
            outcomes[1].outcome == .reject(Reason(.invalidRecipient, vendorCode: "80100000", detail: "illegal token")))
    }
}
