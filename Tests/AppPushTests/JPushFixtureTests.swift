import ChannelKit
import ChannelTesting
import Testing

@testable import ChannelAppPush

/// Golden cases for `vendor: jpush`: one folder per case under `Fixtures/jpush/` (see `generate.py` there).
struct JPushFixtureTests {
    static let vendor = "jpush"

    @Test("jpush golden case", arguments: fixtures.cases(vendor, having: "request.expected.json"))
    func goldenCase(_ name: String) throws {
        try batchGoldenCases.send(Self.vendor, name, vendor: Self.vendor)
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = fixtures.cases(Self.vendor, having: "settings.json")
        #expect(names.count >= 20)
        for name in names {
            let source = try fixtures.text(Self.vendor, name, "SOURCE")
            #expect(source.contains("jiguang.cn") || source.contains("vendors.md"), "\(name)/SOURCE")
        }
    }

    /// Every code in the table has a case whose reply carries it and whose outcome has the table's category.
    @Test func everyMappedCodeHasAFixture() throws {
        let seen = try fixtures.outcomesByVendorCode(Self.vendor)
        for (code, entry) in JPushProfile.codeTable {
            #expect(seen[code]?["category"]?.stringValue == entry.category.name, "code \(code)")
        }
    }
}

/// Settings, checks, batching and secrecy of `vendor: jpush`.
struct JPushProfileTests {
    static let settings = #"{"app_key": "0123456789abcdef01234567", "master_secret": "credential:jpush_master"}"#
    static let secret = TestSettings.secretValue("jpush_master")

    static func message(_ id: String = "m-1", to: String = "1a0018970a9a2c5d") -> OutboundMessage {
        OutboundMessage(
            id: id, channel: "push", recipient: to, params: ["badge": "2"], content: "Body", title: "Title",
            url: "examplebank://x")
    }

    /// vendors.md §5.1.1 / §10 V7: appKey `7d431e42dfa6a6d693ac2d04`, masterSecret `5e987ac6d2e04d95a9d8f0d1`.
    @Test func basicAuthMatchesTheVendorsWorkedExample() throws {
        let adapter = try TestSettings.adapter(
            AppPushChannel.kind, vendor: "jpush",
            json: #"{"app_key": "7d431e42dfa6a6d693ac2d04", "master_secret": "secret:5e987ac6d2e04d95a9d8f0d1"}"#)
        let request = try adapter.request(for: Self.message(), context: goldenContext)
        #expect(
            request.headers.value(named: "Authorization")
                == "Basic N2Q0MzFlNDJkZmE2YTZkNjkzYWMyZDA0OjVlOTg3YWM2ZDJlMDRkOTVhOWQ4ZjBkMQ==")
    }

    /// RFC 4648 §10 test vectors.
    @Test(arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ])
    func base64MatchesRFC4648(input: String, expected: String) {
        #expect(PushSettings.base64(Array(input.utf8)) == expected)
    }

    @Test func unknownSettingsKeyIsRejected() throws {
        let issues = try TestSettings.issues(
            AppPushChannel.kind, vendor: "jpush",
            json: #"{"app_key": "k", "master_secret": "credential:s", "appkey": "k"}"#)
        #expect(issues.contains { $0.severity == .error && $0.message.hasPrefix("unknown key 'appkey'") }, "\(issues)")
    }

    @Test func missingKeysAreNamed() throws {
        let issues = try TestSettings.issues(AppPushChannel.kind, vendor: "jpush", json: "{}")
        #expect(issues.contains { $0.message == "missing required key 'app_key' in 'settings'" })
        #expect(issues.contains { $0.message == "missing required key 'master_secret' in 'settings'" })
    }

    @Test(arguments: [
        (#""platforms": ["web"]"#, "'platforms' must list"),
        (#""platforms": ["ios", "ios"]"#, "'platforms' must list"),
        (#""time_to_live": "11d""#, "'time_to_live' must be between"),
        (#""time_to_live": "1500ms""#, "whole number of seconds"),
        (#""endpoint": "ftp://api.jpush.cn""#, "'endpoint' must be an http"),
        (#""apns_production": "yes""#, "expected true or false"),
    ])
    func badValuesAreReported(extra: String, fragment: String) throws {
        let json = #"{"app_key": "k", "master_secret": "credential:s", "# + extra + "}"
        let issues = try TestSettings.issues(AppPushChannel.kind, vendor: "jpush", json: json)
        #expect(issues.contains { $0.severity == .error && $0.message.contains(fragment) }, "\(issues)")
    }

    @Test func sameInputTwiceGivesIdenticalRequests() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "jpush", json: Self.settings)
            .require((any Batching).self)
        let other = RequestContext(nowMilliseconds: 1, nonce: 7, attempt: 3)
        let messages = (1...3).map { Self.message("m-\($0)", to: "reg\($0)") }
        let one = try adapter.request(for: messages, context: goldenContext)
        let two = try adapter.request(for: messages, context: other)
        #expect(one == two)
        #expect(
            try adapter.request(for: messages[0], context: other)
                == adapter.request(for: [messages[0]], context: goldenContext))
    }

    @Test func secretNeverShows() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "jpush", json: Self.settings)
        let authorization = PushSettings.base64(Array("0123456789abcdef01234567:\(Self.secret)".utf8))
        var texts = visibleTexts(of: adapter)
        let bad = OutboundMessage(id: "m", channel: "push", recipient: "a b", content: nil)
        texts.append(String(describing: adapter.check(bad)))
        do {
            _ = try adapter.request(for: bad, context: goldenContext)
        } catch {
            texts.append(error.description)
        }
        for name in fixtures.cases("jpush", having: "response.json") {
            let response = VendorResponse(fixture: try fixtures.json("jpush", name, "response.json"))
            let request = try adapter.request(for: Self.message(), context: goldenContext)
            texts.append(String(describing: adapter.outcome(of: response, to: request, message: Self.message())))
        }
        let issues = try TestSettings.issues(
            AppPushChannel.kind, vendor: "jpush",
            json: #"{"app_key": "k:", "master_secret": "inline-secret-value", "x": 1}"#)
        texts += issues.map(\.description)
        #expect(texts.count > 10)
        for text in texts {
            #expect(!text.contains(Self.secret) && !text.contains(authorization), "\(text)")
            #expect(!text.contains("inline-secret-value"), "\(text)")
        }
    }

    @Test(arguments: [
        ("", "to"), ("reg id", "to"), (String(repeating: "a", count: 129), "to"), ("reg\u{7F}", "to"),
    ])
    func checkRejectsBadRegistrationIDs(recipient: String, field: String) throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "jpush", json: Self.settings)
        let problem = adapter.check(Self.message(to: recipient))
        #expect(problem?.codeName == "invalid_recipient")
        #expect(problem?.field == field)
    }

    @Test func checkRejectsUnsendableContent() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "jpush", json: Self.settings)
        var noBody = Self.message()
        noBody.content = nil
        #expect(adapter.check(noBody)?.field == "content")
        var emptyBody = Self.message()
        emptyBody.content = ""
        #expect(adapter.check(emptyBody)?.field == "content")
        for badge in ["x", "-1", "1.5", "100000"] {
            var message = Self.message()
            message.params["badge"] = badge
            #expect(adapter.check(message)?.field == "params.badge", "badge \(badge)")
            #expect(throws: MessageProblem.self) { try adapter.request(for: message, context: goldenContext) }
        }
        var badLink = Self.message()
        badLink.url = "examplebank://a b"
        #expect(adapter.check(badLink)?.field == "url")
        var noTitle = Self.message()
        noTitle.title = nil
        #expect(adapter.check(noTitle) == nil)
    }

    @Test func batchesShareOneNotification() throws {
        let adapter = try TestSettings.adapter(AppPushChannel.kind, vendor: "jpush", json: Self.settings)
            .require((any Batching).self)
        #expect(adapter.maxBatchSize == 1000)
        let a = Self.message("m-1", to: "r1")
        let b = Self.message("m-2", to: "r2")
        #expect(adapter.batchKey(for: a) != nil)
        #expect(adapter.batchKey(for: a) == adapter.batchKey(for: b))
        for change in [\OutboundMessage.title, \.content, \.url] {
            var c = b
            c[keyPath: change] = "other"
            #expect(adapter.batchKey(for: a) != adapter.batchKey(for: c))
            #expect(throws: MessageProblem.self) { try adapter.request(for: [a, c], context: goldenContext) }
        }
        var d = b
        d.params["badge"] = "9"
        #expect(adapter.batchKey(for: a) != adapter.batchKey(for: d))
        let tooMany = (0...1000).map { Self.message("m-\($0)", to: "r\($0)") }
        #expect(throws: MessageProblem.self) { try adapter.request(for: tooMany, context: goldenContext) }
        #expect(throws: MessageProblem.self) { try adapter.request(for: [], context: goldenContext) }
        let full = Array(tooMany.prefix(1000))
        #expect(try adapter.request(for: full, context: goldenContext).body.count > 1000)
    }
}
