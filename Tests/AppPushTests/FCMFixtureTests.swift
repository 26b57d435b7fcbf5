import ChannelKit
import Testing

@testable import ChannelAppPush

/// Golden cases for `vendor: fcm`, one folder per case under `Fixtures/fcm/` (written by its generate.py):
/// sends (`message.json`) and token fetches (`token-response.json`).
struct FCMFixtureTests {
    static let vendor = "fcm"
    static var sendCases: [String] { PushGolden.cases(vendor).filter { PushGolden.exists(vendor, $0, "message.json") } }
    static var tokenCases: [String] {
        PushGolden.cases(vendor).filter { PushGolden.exists(vendor, $0, "token-response.json") }
    }

    @Test("fcm golden send", arguments: sendCases)
    func goldenSend(_ name: String) throws {
        let adapter = try PushGolden.adapter(Self.vendor, name)
        let message = PushGolden.message(try PushGolden.json(Self.vendor, name, "message.json"))
        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: pushGoldenContext)
        let expected = try PushGolden.json(Self.vendor, name, "request.expected.json")
        #expect(PushGolden.json(request) == expected, "got \(PushGolden.json(request).serialized)")

        guard PushGolden.exists(Self.vendor, name, "response.json") else { return }
        let response = PushGolden.response(try PushGolden.json(Self.vendor, name, "response.json"))
        let expectedOutcome = try PushGolden.json(Self.vendor, name, "outcome.expected.json")
        let outcome = PushGolden.json(adapter.outcome(of: response, to: request, message: message))
        #expect(PushGolden.comparable(outcome, to: expectedOutcome) == expectedOutcome, "got \(outcome.serialized)")
    }

    /// The token request, RS256 assertion included, byte for byte as Python's `cryptography` signed it with
    /// the same test key; then the reply read into a token or a failure.
    @Test("fcm golden token fetch", arguments: tokenCases)
    func goldenTokenFetch(_ name: String) throws {
        let adapter = try PushGolden.adapter(Self.vendor, name)
        let context = RequestContext(nowMilliseconds: pushGoldenContext.nowMilliseconds, nonce: 42, attempt: 1)
        guard case .fetch(let request)? = try adapter.tokenStep(context: context) else {
            Issue.record("expected a token fetch")
            return
        }
        let expected = try PushGolden.json(Self.vendor, name, "token-request.expected.json")
        #expect(PushGolden.json(request) == expected, "got \(PushGolden.json(request).serialized)")
        let response = PushGolden.response(try PushGolden.json(Self.vendor, name, "token-response.json"))
        let expectedResult = try PushGolden.json(Self.vendor, name, "token.expected.json")
        let result = PushGolden.json(adapter.token(from: response, context: context))
        #expect(PushGolden.comparable(result, to: expectedResult) == expectedResult, "got \(result.serialized)")
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = PushGolden.cases(Self.vendor)
        #expect(Self.sendCases.count >= 20)
        #expect(Self.tokenCases.count >= 5)
        for name in names {
            let source = try PushGolden.text(Self.vendor, name, "SOURCE")
            #expect(source.contains("firebase.google.com") || source.contains("developers.google.com"), "\(name)")
        }
    }

    /// Every errorCode and status the adapter maps has a golden reply case (`reply-<status>-<CODE>`).
    @Test func everyMappedCodeHasAFixture() {
        let names = PushGolden.cases(Self.vendor)
        for code in Set(FCMProfile.errorCodes.keys).union(FCMProfile.statuses.keys).sorted() {
            #expect(names.contains { $0.hasPrefix("reply-") && $0.contains("-" + code) }, "\(code)")
        }
    }
}
