import ChannelKit
import ChannelWeChatOA
import Testing

/// Server-URL pushes of the `wechat_oa` channel: the callback settings, the security the core applies, and the
/// golden cases of `Fixtures/events/` (written by `Fixtures/generate-wechat-oa-events.py`): the verified body in,
/// the receipts and answer out, or the problem for a body the adapter refuses.
struct WeChatOACallbackTests {
    /// The official sample key of vendors.md §3.5 (the Official Account's safe mode uses the same scheme, §4.5).
    static let aesKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
    static let base: [String: JSONValue] = [
        "app_id": .string("wx1234567890abcdef"),
        "app_secret": .string("credential:wechat_oa_app_secret"),
    ]

    static func built(_ extra: [String: JSONValue]) -> (adapter: (any ChannelAdapter)?, errors: [String]) {
        let result = TestConfig.make(vendor: "template", json: .object(base.merging(extra) { $1 }))
        return (result.adapter, result.issues.filter { $0.severity == .error }.map(\.message))
    }

    // MARK: Settings

    @Test func withoutCallbackSettingsThereAreNoCallbacks() throws {
        let adapter = try #require(Self.built([:]).adapter)
        #expect(adapter.callbackSecurity == nil)
        let push = InboundCallback(method: "POST", path: "/", body: Array("<xml></xml>".utf8))
        #expect(try adapter.parseCallback(push) == nil)
    }

    @Test func aTokenAloneIsPlainMode() throws {
        let adapter = try #require(Self.built(["callback_token": .string("credential:cb_token")]).adapter)
        #expect(adapter.callbackSecurity == .weChatSigned(token: Secret(TestConfig.secretValue("cb_token"))))
    }

    @Test func tokenAndKeyAreSafeModeWithTheAppIDAsReceiver() throws {
        let built = Self.built([
            "callback_token": .string("credential:cb_token"), "callback_aes_key": .string(Self.aesKey),
        ])
        let adapter = try #require(built.adapter)
        #expect(
            adapter.callbackSecurity
                == .weChatEncrypted(
                    token: Secret(TestConfig.secretValue("cb_token")), encodingAESKey: Secret(Self.aesKey),
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
        #expect(!built.errors.joined().contains(TestConfig.secretValue("cb_key")))
        let adapter = try #require(
            Self.built(["callback_token": .string("credential:cb_token"), "callback_aes_key": .string(Self.aesKey)])
                .adapter)
        let security = try #require(adapter.callbackSecurity)
        var dumped = ""
        dump(adapter, to: &dumped)
        for text in ["\(security)", String(reflecting: security), "\(adapter)", dumped] {
            #expect(!text.contains(Self.aesKey))
            #expect(!text.contains(TestConfig.secretValue("cb_token")))
        }
    }

    // MARK: Golden pushes

    @Test("events golden case", arguments: Fixtures.cases("events"))
    func eventCase(_ name: String) throws {
        let built = TestConfig.make(vendor: "template", json: try Fixtures.json("events", name, "settings.json"))
        #expect(built.issues.isEmpty, "\(built.issues)")
        let adapter = try #require(built.adapter)
        let body = try Fixtures.text("events", name, "callback.xml")
        let callback = InboundCallback(
            method: "POST", path: "/", query: "signature=x&timestamp=1&nonce=2",
            headers: [HTTPHeader("Content-Type", "text/xml")], body: Array(body.utf8))
        #expect(!(try Fixtures.text("events", name, "SOURCE")).isEmpty)
        if Fixtures.exists("events", name, "problem.expected.json") {
            let expected = try Fixtures.json("events", name, "problem.expected.json")
            let problem = #expect(throws: MessageProblem.self) { try adapter.parseCallback(callback) }
            #expect(problem?.codeName == expected["code"]?.stringValue)
            #expect(problem?.message == expected["message"]?.stringValue)
            return
        }
        let report = try #require(try adapter.parseCallback(callback))
        let expected = try Fixtures.json("events", name, "report.expected.json")
        #expect(report.fixtureJSON == expected, "got \(report.fixtureJSON.serialized)")
        #expect(report.replies.isEmpty)
        #expect(try adapter.parseCallback(callback) == report)
    }

    @Test func theGoldenCasesCoverEveryDocumentedStatus() {
        let names = Set(Fixtures.cases("events"))
        for name in ["template-success", "template-user-block", "template-system-failed", "not-xml"] {
            #expect(names.contains(name))
        }
    }
}

extension CallbackReport {
    /// `{receipts: [{vendor_message_id, recipient, event, category, vendor_code, detail, occurred_at_ms,
    /// vendor_status}], answer: {status, content_type, body}}`, absent fields omitted, as in `report.expected.json`.
    var fixtureJSON: JSONValue {
        .object([
            "receipts": .array(
                receipts.map { receipt in
                    var members: [String: JSONValue] = [:]
                    if let id = receipt.vendorMessageID { members["vendor_message_id"] = .string(id) }
                    if let id = receipt.messageID { members["message_id"] = .string(id) }
                    if let recipient = receipt.recipient { members["recipient"] = .string(recipient) }
                    if let time = receipt.occurredAtMilliseconds { members["occurred_at_ms"] = .number(String(time)) }
                    if let status = receipt.vendorStatus { members["vendor_status"] = .string(status) }
                    switch receipt.event {
                    case .delivered: members["event"] = .string("delivered")
                    case .failed(let reason):
                        members["event"] = .string("failed")
                        members["category"] = .string(reason.category.name)
                        if let code = reason.vendorCode { members["vendor_code"] = .string(code) }
                        if let detail = reason.detail { members["detail"] = .string(detail) }
                    default: members["event"] = .string("\(receipt.event)")
                    }
                    return .object(members)
                }),
            "answer": .object([
                "status": .number(String(answer.status)), "content_type": .string(answer.contentType),
                "body": .string(answer.body),
            ]),
        ])
    }
}
