import ChannelKit
import ChannelTesting
import ChannelWeChatCrypto
import ChannelWeCom
import Testing

/// WeCom callback settings (`callback_token`, `callback_aes_key`), the security the core applies, and the
/// adapter's reading of a verified, decrypted callback (vendors.md §3.5).
struct WeComCallbackTests {
    /// The official sample's EncodingAESKey, token and corp id (vendors.md §3.5, set 1).
    static let aesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
    static let corpID = "wx5823bf96d3bd56c7"
    static let callbackSettings: [String: JSONValue] = [
        "corp_id": .string(corpID), "callback_token": .string("credential:cb_token"),
        "callback_aes_key": .string(aesKey),
    ]

    static func build(_ vendor: String, _ changes: [String: JSONValue]) -> (
        adapter: (any ChannelAdapter)?, errors: [String]
    ) {
        let built = WeComProfileTests.build(vendor, WeComProfileTests.settings(vendor, changes))
        return (built.adapter, built.issues.filter { $0.severity == .error }.map(\.message))
    }

    @Test(arguments: ["app", "external_contact"])
    func callbackSettingsGiveEncryptedSecurityWithTheCorpIDAsReceiver(vendor: String) throws {
        let adapter = try #require(Self.build(vendor, Self.callbackSettings).adapter)
        #expect(
            (try adapter.require((any CallbackVerifying).self).callbackVerifier as? WeChatCallbackSecurity)
                == .encrypted(
                    token: Secret(TestSettings.secretValue("cb_token")), encodingAESKey: Secret(Self.aesKey),
                    receiverID: Self.corpID))
    }

    @Test(arguments: ["app", "external_contact", "robot"])
    func withoutCallbackSettingsThereAreNoCallbacks(vendor: String) throws {
        let adapter = try WeComProfileTests.adapter(vendor)
        let callback = InboundCallback(method: "POST", path: "/", body: Array("<xml></xml>".utf8))
        if vendor == "robot" {
            // The robot takes no callbacks at all: neither capability.
            #expect(!(adapter is any CallbackVerifying))
            #expect(!(adapter is any CallbackParsing))
        } else {
            #expect(try adapter.require((any CallbackVerifying).self).callbackVerifier == nil)
            #expect(try adapter.require((any CallbackParsing).self).parseCallback(callback) == nil)
        }
    }

    @Test func theRobotTakesNoCallbackSettings() {
        let built = Self.build("robot", ["callback_token": .string("credential:cb_token")])
        #expect(built.adapter == nil)
        #expect(built.errors.count == 1 && built.errors.first?.contains("callback_token") == true, "\(built.errors)")
    }

    @Test(arguments: ["callback_token", "callback_aes_key"])
    func bothCallbackSettingsOrNeither(missing: String) {
        var settings = Self.callbackSettings
        settings[missing] = .null
        let built = Self.build("app", settings)
        #expect(built.adapter == nil)
        #expect(
            built.errors == [
                "WeCom callbacks need both 'callback_token' and 'callback_aes_key' (they are always encrypted)"
            ])
    }

    @Test(arguments: [String(aesKey.dropLast()), aesKey + "x", String(aesKey.dropLast()) + "%", "credential:cb_key"])
    func aMalformedEncodingAESKeyIsRefusedWithoutQuotingIt(key: String) {
        var settings = Self.callbackSettings
        settings["callback_aes_key"] = .string(key)
        let built = Self.build("app", settings)
        #expect(built.adapter == nil)
        #expect(
            built.errors == [
                "'callback_aes_key' must be the app's 43-character EncodingAESKey (letters, digits, '+', '/')"
            ])
        #expect(!built.errors.joined().contains(String(key.dropLast())))
        #expect(!built.errors.joined().contains(TestSettings.secretValue("cb_key")))
    }

    /// The decrypted message of the official sample (vendors.md §3.5 set 1): answered with an empty 200 (no passive
    /// reply) and no receipts, since WeCom documents no delivery event.
    @Test(arguments: ["app", "external_contact"])
    func aVerifiedCallbackIsAnsweredWithNoReceipts(vendor: String) throws {
        let adapter = try #require(Self.build(vendor, Self.callbackSettings).adapter).require(
            (any CallbackParsing).self)
        let plain =
            "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
            + "<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n"
            + "<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n"
            + "<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
        let callback = InboundCallback(method: "POST", path: "/", query: "msg_signature=x", body: Array(plain.utf8))
        let report = try #require(try adapter.parseCallback(callback))
        #expect(report.receipts.isEmpty && report.replies.isEmpty)
        #expect(report.answer == CallbackAnswer(status: 200, contentType: "text/plain; charset=utf-8", body: ""))
        let garbage = InboundCallback(method: "POST", path: "/", body: Array(#"{"a":1}"#.utf8))
        let problem = #expect(throws: MessageProblem.self) { try adapter.parseCallback(garbage) }
        #expect(problem?.message == "the callback body is not WeCom XML")
    }

    @Test func theSecurityNeverPrintsItsSecrets() throws {
        let adapter = try #require(Self.build("app", Self.callbackSettings).adapter)
        var dumped = ""
        dump(adapter, to: &dumped)
        let security = try #require(try adapter.require((any CallbackVerifying).self).callbackVerifier)
        for text in ["\(adapter)", "\(security)", String(reflecting: security), dumped] {
            #expect(!text.contains(Self.aesKey))
            #expect(!text.contains(TestSettings.secretValue("cb_token")))
        }
    }
}
