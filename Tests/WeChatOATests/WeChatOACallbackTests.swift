import ChannelKit
import ChannelTesting
import ChannelWeChatCrypto
import ChannelWeChatOA
import Testing

/// Server-URL pushes of the `wechat_oa` channel: the callback settings, the security the core applies, and the
/// golden cases of `Fixtures/events/` (written by `Fixtures/generate-wechat-oa-events.py`): the verified body in,
/// the receipts and answer out, or the problem for a body the adapter refuses.
struct WeChatOACallbackTests {
    /// `report.expected.json` writes receipts with the failure's category, vendor code and detail inline.
    static let reportShape = CallbackReport.FixtureShape.receipts(flatReason: true)

    /// The official sample key of vendors.md §3.5 (the Official Account's safe mode uses the same scheme, §4.5).
    static let aesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
    static let base: [String: JSONValue] = [
        "app_id": .string("wx1234567890abcdef"),
        "app_secret": .string("credential:wechat_oa_app_secret"),
    ]

    static func built(_ extra: [String: JSONValue]) -> (adapter: (any ChannelAdapter)?, errors: [String]) {
        let result = TestSettings.wechat(vendor: "template", json: .object(base.merging(extra) { $1 }))
        return (result.adapter, result.issues.filter { $0.severity == .error }.map(\.message))
    }

    // MARK: Settings

    @Test func withoutCallbackSettingsThereAreNoCallbacks() throws {
        let adapter = try #require(Self.built([:]).adapter)
        #expect(try adapter.require((any CallbackVerifying).self).callbackVerifier == nil)
        let push = InboundCallback(method: "POST", path: "/", body: Array("<xml></xml>".utf8))
        #expect(try adapter.require((any CallbackParsing).self).parseCallback(push) == nil)
    }

    @Test func aTokenAloneIsPlainMode() throws {
        let adapter = try #require(Self.built(["callback_token": .string("credential:cb_token")]).adapter)
        #expect(
            (try adapter.require((any CallbackVerifying).self).callbackVerifier as? WeChatCallbackSecurity)
                == .signed(token: Secret(TestSettings.secretValue("cb_token"))))
    }

    @Test func tokenAndKeyAreSafeModeWithTheAppIDAsReceiver() throws {
        let built = Self.built([
            "callback_token": .string("credential:cb_token"), "callback_aes_key": .string(Self.aesKey),
        ])
        let adapter = try #require(built.adapter)
        #expect(
            (try adapter.require((any CallbackVerifying).self).callbackVerifier as? WeChatCallbackSecurity)
                == .encrypted(
                    token: Secret(TestSettings.secretValue("cb_token")), encodingAESKey: Secret(Self.aesKey),
                    receiverID: "wx1234567890abcdef"))
    }

    @Test(arguments: [
        String(aesKey.dropLast()), aesKey + "A", String(aesKey.dropLast()) + "=", String(aesKey.dropLast()) + "-",
    ])
    func aMalformedEncodingAESKeyIsAConfigErrorThatDoesNotQuoteIt(key: String) {
        let built = Self.built(["callback_token": .string("credential:cb_token"), "callback_aes_key": .string(key)])
        #expect(built.adapter == nil)
        #expect(
            built.errors == [
                "'callback_aes_key' must be the account's 43-character EncodingAESKey (letters, digits, '+', '/')"
            ])
        #expect(!built.errors.joined().contains(key))
    }

    @Test func aKeyWithoutATokenIsAConfigError() {
        let built = Self.built(["callback_aes_key": .string(Self.aesKey)])
        #expect(built.adapter == nil)
        #expect(built.errors == ["'callback_aes_key' needs 'callback_token' (safe mode signs too)"])
    }

    @Test func theSecurityNeverPrintsItsSecrets() throws {
        let built = Self.built([
            "callback_token": .string("credential:cb_token"), "callback_aes_key": .string("credential:cb_key"),
        ])
        // A credential resolves to test-secret-cb_key, not 43 characters: refused, and not quoted.
        #expect(built.errors.count == 1)
        #expect(!built.errors.joined().contains(TestSettings.secretValue("cb_key")))
        let adapter = try #require(
            Self.built(["callback_token": .string("credential:cb_token"), "callback_aes_key": .string(Self.aesKey)])
                .adapter)
        let security = try #require(try adapter.require((any CallbackVerifying).self).callbackVerifier)
        var dumped = ""
        dump(adapter, to: &dumped)
        for text in ["\(security)", String(reflecting: security), "\(adapter)", dumped] {
            #expect(!text.contains(Self.aesKey))
            #expect(!text.contains(TestSettings.secretValue("cb_token")))
        }
    }

    // MARK: Golden pushes

    @Test("events golden case", arguments: fixtures.cases("events"))
    func eventCase(_ name: String) throws {
        let built = TestSettings.wechat(vendor: "template", json: try fixtures.json("events", name, "settings.json"))
        #expect(built.issues.isEmpty, "\(built.issues)")
        let adapter = try #require(built.adapter).require((any CallbackParsing).self)
        let body = try fixtures.text("events", name, "callback.xml")
        let callback = InboundCallback(
            method: "POST", path: "/", query: "signature=x&timestamp=1&nonce=2",
            headers: [HTTPHeader("Content-Type", "text/xml")], body: Array(body.utf8))
        #expect(!(try fixtures.text("events", name, "SOURCE")).isEmpty)
        if fixtures.exists("events", name, "problem.expected.json") {
            let expected = try fixtures.json("events", name, "problem.expected.json")
            let problem = #expect(throws: MessageProblem.self) { try adapter.parseCallback(callback) }
            #expect(problem?.codeName == expected["code"]?.stringValue)
            #expect(problem?.message == expected["message"]?.stringValue)
            return
        }
        let report = try #require(try adapter.parseCallback(callback))
        let expected = try fixtures.json("events", name, "report.expected.json")
        let json = report.fixtureJSON(Self.reportShape)
        #expect(json == expected, "got \(json.serialized)")
        #expect(report.replies.isEmpty)
        #expect(try adapter.parseCallback(callback) == report)
    }

    @Test func theGoldenCasesCoverEveryDocumentedStatus() {
        let names = Set(fixtures.cases("events"))
        for name in ["template-success", "template-user-block", "template-system-failed", "not-xml"] {
            #expect(names.contains(name))
        }
    }
}
