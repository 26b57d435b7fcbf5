import ChannelKit
import ChannelTesting
import Foundation
import Testing
import _CryptoExtras

@testable import ChannelAppPush

/// `vendor: fcm` beyond the golden cases: the assertion's claims, settings, checks and secrecy.
struct FCMProfileTests {
    static let settings: JSONValue = .object([
        "project_id": .string("example-bank-app"),
        "client_email": .string("gateway@example-bank-app.iam.gserviceaccount.com"),
        "private_key": .string("credential:test-key.pem"),
    ])
    static let token = "cT8sV3kQ_0eR:APA91bH7dQ2lX9zK4mN6pR8tV0wY2aC4eG6iK8mO0qS2uW4yA6cE8gI0kM2oQ4sU6wY8aC0eG2iK4m"

    static func adapter(_ settings: JSONValue = settings) throws -> any ChannelAdapter {
        let built = TestSettings.push("fcm", settings: settings)
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    static func with(_ key: String, _ value: JSONValue?) -> JSONValue {
        guard case .object(var members) = settings else { return settings }
        members[key] = value
        return .object(members)
    }

    static func message(to: String = token, content: String? = "Body", params: [String: String] = [:])
        -> OutboundMessage
    {
        OutboundMessage(
            id: "m01JDQ7Z8X4N5R2T6V8W0Y3A5C7", channel: "push", recipient: to, params: params, content: content)
    }

    /// Google: header `{"alg":"RS256","typ":"JWT"}`, claims iss/scope/aud/iat/exp with exp = iat + 3600, the
    /// signature verifying with the service account's public key.
    @Test func assertionCarriesGooglesClaimsAndVerifies() throws {
        let adapter = try Self.adapter(Self.with("token_uri", .string("https://oauth2.example.test/token/")))
            .require((any AccessTokenProviding).self)
        let context = RequestContext(nowMilliseconds: 1_764_000_000_999, nonce: 1, attempt: 1)
        guard case .fetch(let request) = try adapter.tokenStep(context: context) else {
            Issue.record("expected a token fetch")
            return
        }
        #expect(request.method == "POST")
        #expect(request.url == "https://oauth2.example.test/token")
        let body = String(decoding: request.body, as: UTF8.self)
        let prefix = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion="
        #expect(body.hasPrefix(prefix))
        let parts = body.dropFirst(prefix.count).split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        #expect(JWT.base64URLDecode(parts[0]) == Array(#"{"alg":"RS256","typ":"JWT"}"#.utf8))
        let claims = try JSONParser.parse(try #require(JWT.base64URLDecode(parts[1])))
        #expect(claims["iss"]?.stringValue == "gateway@example-bank-app.iam.gserviceaccount.com")
        #expect(claims["scope"]?.stringValue == "https://www.googleapis.com/auth/firebase.messaging")
        #expect(claims["aud"]?.stringValue == "https://oauth2.example.test/token")
        #expect(claims["iat"]?.intValue == 1_764_000_000)
        #expect(claims["exp"]?.intValue == 1_764_003_600)
        let publicKey = try _RSA.Signing.PublicKey(pemRepresentation: try fixtures.file("fcm", "test-key.pub.pem"))
        let signature = _RSA.Signing.RSASignature(rawRepresentation: try #require(JWT.base64URLDecode(parts[2])))
        let input = Array((parts[0] + "." + parts[1]).utf8)
        #expect(publicKey.isValidSignature(signature, for: input, padding: .insecurePKCS1v1_5))
        #expect(!publicKey.isValidSignature(signature, for: input + [0x78], padding: .insecurePKCS1v1_5))
        // Deterministic: the same context signs the same assertion.
        #expect(try adapter.tokenStep(context: context) == .fetch(request))
    }

    @Test func requestNeedsTheAccessToken() throws {
        let adapter = try Self.adapter()
        let context = RequestContext(nowMilliseconds: 1_764_000_000_000, nonce: 1, attempt: 1)
        #expect(throws: MessageProblem.self) { try adapter.request(for: Self.message(), context: context) }
    }

    @Test func sameInputTwiceGivesByteIdenticalRequests() throws {
        let adapter = try Self.adapter()
        let message = Self.message(params: ["badge": "2"])
        let first = try adapter.request(for: message, context: goldenContext)
        #expect(first == (try adapter.request(for: message, context: goldenContext)))
        #expect(!first.requiresHTTP2)
    }

    @Test func unknownSettingsKeyIsRejected() {
        let built = TestSettings.push("fcm", settings: Self.with("type", .string("service_account")))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.contains("unknown key 'type'") })
    }

    @Test func missingAndMalformedSettingsAreEachReported() {
        let missing = TestSettings.push("fcm", settings: .object([:]))
        #expect(missing.adapter == nil)
        for key in ["project_id", "client_email", "private_key"] {
            #expect(missing.issues.contains { $0.message.contains("missing required key '\(key)'") }, "\(key)")
        }
        let bad = TestSettings.push(
            "fcm",
            settings: .object([
                "project_id": .string("Bad Project"), "client_email": .string("nobody"),
                "private_key": .string("credential:test-key.p8"), "token_uri": .string("oauth2.googleapis.com"),
                "android_priority": .string("urgent"), "time_to_live": .string("29d"),
            ]))
        #expect(bad.adapter == nil)
        for key in ["project_id", "client_email", "private_key", "token_uri", "android_priority", "time_to_live"] {
            #expect(bad.issues.contains { $0.message.contains("'\(key)'") }, "\(key): \(bad.issues)")
        }
    }

    @Test func secretsNeverAppearInIssuesOrDescriptions() throws {
        let wrong = TestSettings.push("fcm", settings: Self.with("private_key", .string("credential:sentinel")))
        #expect(wrong.adapter == nil)
        for issue in wrong.issues { #expect(!issue.description.contains("test-secret-sentinel")) }
        let pem = try fixtures.file("fcm", "test-key.pem")
        let body = String(pem.split(separator: "\n")[1])
        let adapter = try Self.adapter()
        let reply = VendorResponse(status: 200, body: Array(#"{"access_token":"ya29.secret","expires_in":3599}"#.utf8))
        let result = try adapter.require((any AccessTokenProviding).self).token(from: reply, context: goldenContext)
        var texts = visibleTexts(of: adapter) + [String(describing: result)]
        for text in texts {
            #expect(!text.contains(body), "\(text)")
            #expect(!text.contains("ya29.secret"), "\(text)")
        }
    }

    @Test func checkRejectsUnsendableMessagesEarly() throws {
        let adapter = try Self.adapter()
        #expect(adapter.check(Self.message()) == nil)
        #expect(adapter.check(Self.message(to: "short"))?.codeName == "invalid_recipient")
        #expect(adapter.check(Self.message(to: Self.token + " x"))?.codeName == "invalid_recipient")
        #expect(adapter.check(Self.message(to: Self.token + "/x"))?.codeName == "invalid_recipient")
        #expect(adapter.check(Self.message(content: nil))?.field == "content")
        #expect(adapter.check(Self.message(params: ["badge": "many"]))?.field == "params.badge")
        #expect(throws: MessageProblem.self) {
            try adapter.request(for: Self.message(content: nil), context: goldenContext)
        }
    }
}
