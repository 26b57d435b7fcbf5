import ChannelKit
import ChannelTesting
import Crypto
import Foundation
import Testing

@testable import ChannelAppPush

/// `vendor: apns` beyond the golden requests: the provider token, settings, checks and secrecy.
struct APNsProfileTests {
    static let settings: JSONValue = .object([
        "team_id": .string("TEAM123456"), "key_id": .string("KEY1234567"),
        "private_key": .string("credential:test-key.p8"), "bundle_id": .string("com.example.bank"),
    ])
    static let token = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

    static func adapter(_ settings: JSONValue = settings) throws -> any ChannelAdapter {
        let built = TestSettings.push("apns", settings: settings)
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    static func with(_ key: String, _ value: JSONValue?) -> JSONValue {
        guard case .object(var members) = settings else { return settings }
        members[key] = value
        return .object(members)
    }

    static func message(
        id: String = "m01JDQ7Z8X4N5R2T6V8W0Y3A5C7", to: String = token, content: String? = "Body",
        params: [String: String] = [:]
    ) -> OutboundMessage {
        OutboundMessage(id: id, channel: "push", recipient: to, params: params, content: content)
    }

    /// Apple: header `{"alg":"ES256","kid":<key id>}`, claims `{"iss":<team id>,"iat":<seconds>}`, signed with
    /// the .p8 key; ECDSA is randomized, so the signature is verified with the public key rather than pinned.
    @Test func providerTokenIsAnES256JWTOverExactHeaderAndClaims() throws {
        let adapter = try Self.adapter()
        let step = try adapter.require((any AccessTokenProviding).self).tokenStep(
            context: RequestContext(nowMilliseconds: 1_764_000_000_999, nonce: 1, attempt: 1))
        guard case .issued(let token) = step else {
            Issue.record("expected an issued token, got \(String(describing: step))")
            return
        }
        // Issued at 1764000000 s; re-issued after 50 minutes, inside Apple's one-hour limit.
        #expect(token.expiresAtMilliseconds == 1_764_000_000_000 + 50 * 60 * 1000)
        let parts = token.value.reveal().split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        #expect(parts.count == 3)
        #expect(JWT.base64URLDecode(parts[0]) == Array(#"{"alg":"ES256","kid":"KEY1234567"}"#.utf8))
        #expect(JWT.base64URLDecode(parts[1]) == Array(#"{"iat":1764000000,"iss":"TEAM123456"}"#.utf8))
        let signature = try #require(JWT.base64URLDecode(parts[2]))
        #expect(signature.count == 64)
        let publicKey = try P256.Signing.PublicKey(pemRepresentation: try fixtures.file("apns", "test-key.pub.pem"))
        let ecdsa = try P256.Signing.ECDSASignature(rawRepresentation: signature)
        #expect(publicKey.isValidSignature(ecdsa, for: Array((parts[0] + "." + parts[1]).utf8)))
        #expect(!publicKey.isValidSignature(ecdsa, for: Array((parts[0] + "." + parts[1] + "x").utf8)))
    }

    @Test func requestNeedsTheProviderToken() throws {
        let adapter = try Self.adapter()
        let context = RequestContext(nowMilliseconds: 1_764_000_000_000, nonce: 1, attempt: 1)
        #expect(throws: MessageProblem.self) { try adapter.request(for: Self.message(), context: context) }
    }

    @Test func sameInputTwiceGivesByteIdenticalRequests() throws {
        let adapter = try Self.adapter()
        let message = Self.message(params: ["badge": "2"])
        let first = try adapter.request(for: message, context: goldenContext)
        let second = try adapter.request(for: message, context: goldenContext)
        #expect(first == second)
        #expect(first.requiresHTTP2)
    }

    @Test func unknownSettingsKeyIsRejected() {
        let built = TestSettings.push("apns", settings: Self.with("topic", .string("com.example.bank")))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains("unknown key 'topic'") })
    }

    @Test func missingAndMalformedSettingsAreEachReported() {
        let missing = TestSettings.push("apns", settings: .object([:]))
        #expect(missing.adapter == nil)
        for key in ["team_id", "key_id", "private_key", "bundle_id"] {
            #expect(missing.issues.contains { $0.message.contains("missing required key '\(key)'") }, "\(key)")
        }
        let bad = TestSettings.push(
            "apns",
            settings: .object([
                "team_id": .string("team"), "key_id": .string("KEY12345678"),
                "private_key": .string("credential:nokey"),
                "bundle_id": .string("com.example bank"), "priority": .string("7"), "endpoint": .string("ftp://x"),
                "time_to_live": .string("31d"),
            ]))
        #expect(bad.adapter == nil)
        for key in ["team_id", "key_id", "private_key", "bundle_id", "priority", "endpoint", "time_to_live"] {
            #expect(bad.issues.contains { $0.message.contains("'\(key)'") }, "\(key): \(bad.issues)")
        }
    }

    @Test func secretsNeverAppearInIssuesOrDescriptions() throws {
        // A wrong key: the error names the setting, never its value.
        let wrong = TestSettings.push("apns", settings: Self.with("private_key", .string("credential:sentinel")))
        #expect(wrong.adapter == nil)
        for issue in wrong.issues { #expect(!issue.description.contains("test-secret-sentinel")) }
        // A good key and a token: neither shows in the adapter's or the token's descriptions.
        let pem = try fixtures.file("apns", "test-key.p8")
        let body = String(pem.split(separator: "\n")[1])
        let adapter = try Self.adapter()
        let step = try adapter.require((any AccessTokenProviding).self).tokenStep(context: goldenContext)
        guard case .issued(let token) = step else {
            Issue.record("no token")
            return
        }
        var texts = visibleTexts(of: adapter) + [String(describing: token)]
        for text in texts {
            #expect(!text.contains(body), "\(text)")
            #expect(!text.contains(token.value.reveal()), "\(text)")
        }
        // A rejected message's problem carries no secret either.
        let problem = try #require(adapter.check(Self.message(content: nil)))
        #expect(!problem.description.contains(body))
    }

    @Test func checkRejectsUnsendableMessagesEarly() throws {
        let adapter = try Self.adapter()
        #expect(adapter.check(Self.message()) == nil)
        #expect(adapter.check(Self.message(to: "not-a-token"))?.codeName == "invalid_recipient")
        #expect(adapter.check(Self.message(to: String(Self.token.dropLast())))?.codeName == "invalid_recipient")
        #expect(adapter.check(Self.message(to: ""))?.codeName == "invalid_recipient")
        #expect(adapter.check(Self.message(content: nil))?.field == "content")
        #expect(adapter.check(Self.message(content: ""))?.field == "content")
        for badge in ["-1", "abc", "+3", "100000", "1.5"] {
            #expect(adapter.check(Self.message(params: ["badge": badge]))?.field == "params.badge", "\(badge)")
        }
        #expect(adapter.check(Self.message(params: ["badge": "99999"])) == nil)
        // Apple's 4 KB payload limit.
        #expect(adapter.check(Self.message(content: String(repeating: "x", count: 4000))) == nil)
        #expect(adapter.check(Self.message(content: String(repeating: "x", count: 4100)))?.field == "content")
        // request() refuses what check() refuses, even if the core did not check.
        #expect(throws: MessageProblem.self) {
            try adapter.request(for: Self.message(to: "zz"), context: goldenContext)
        }
    }

    @Test func apnsIDMapsGatewayULIDsOntoUUIDsAndBack() {
        // 26 Crockford digits = 128 bits; the all-maximum id is the all-ones UUID.
        #expect(APNsID.uuid(for: "m7ZZZZZZZZZZZZZZZZZZZZZZZZZ") == "ffffffff-ffff-ffff-ffff-ffffffffffff")
        #expect(APNsID.uuid(for: "m00000000000000000000000001") == "00000000-0000-0000-0000-000000000001")
        #expect(APNsID.uuid(for: "m8ZZZZZZZZZZZZZZZZZZZZZZZZZ") == nil)  // 130 bits: not a ULID
        #expect(APNsID.uuid(for: "m0000000000000000000000000U") == nil)  // U is not Crockford
        #expect(APNsID.uuid(for: "3F2504E0-4F89-41D3-9A0C-0305E82C3301") == "3f2504e0-4f89-41d3-9a0c-0305e82c3301")
        #expect(APNsID.uuid(for: "order-17") == nil)
    }
}
