import ChannelKit
import ChannelWeCom
import Testing

/// Golden cases, one folder per case under `Fixtures/<profile>/` (made by `Fixtures/generate-wecom.py`): settings
/// and messages in, the exact request out; a reply in, the outcome out.
struct WeComFixtureTests {
    static let profiles = ["app", "external_contact", "robot"]
    static let allCases = profiles.flatMap { profile in Fixtures.cases(profile).map { "\(profile)/\($0)" } }

    /// The instance a case folder describes.
    static func adapter(_ kind: String, _ name: String, vendor: String) throws -> any ChannelAdapter {
        let settings = TestConfig.node(try Fixtures.json(kind, name, "settings.json"))
        let built = TestConfig.make(WeComChannel.kind, vendor: vendor, settings: settings)
        #expect(built.issues.isEmpty, "\(built.issues)")
        return try #require(built.adapter)
    }

    @Test("wecom golden case", arguments: allCases)
    func goldenCase(_ path: String) throws {
        let parts = path.split(separator: "/").map(String.init)
        let (kind, name) = (parts[0], parts[1])
        let adapter = try Self.adapter(kind, name, vendor: kind)
        guard case .array(let items) = try Fixtures.json(kind, name, "messages.json") else {
            Issue.record("messages.json is not a list")
            return
        }
        let messages = items.map(OutboundMessage.init(fixture:))
        var context = fixedContext
        if Fixtures.exists(kind, name, "context.json"),
            let token = try Fixtures.json(kind, name, "context.json")["access_token"]?.stringValue
        {
            context.accessToken = Secret(token)
        }
        for message in messages { #expect(adapter.check(message) == nil, "\(message.recipient)") }

        let request =
            messages.count == 1
            ? try adapter.request(for: messages[0], context: context)
            : try adapter.request(for: messages, context: context)
        let expectedRequest = try Fixtures.json(kind, name, "request.expected.json")
        #expect(request.fixtureJSON == expectedRequest, "got \(request.fixtureJSON.serialized)")

        guard Fixtures.exists(kind, name, "response.json") else { return }
        let response = VendorResponse(fixture: try Fixtures.json(kind, name, "response.json"))
        let outcome =
            messages.count == 1
            ? adapter.outcome(of: response, to: request, message: messages[0])
            : adapter.outcome(of: response, to: request, messages: messages)
        let expectedOutcome = try Fixtures.json(kind, name, "outcome.expected.json")
        #expect(outcome.fixtureJSON == expectedOutcome, "got \(outcome.fixtureJSON.serialized)")
        if case .partial(let outcomes) = outcome {
            #expect(outcomes.map(\.recipient) == messages.map(\.recipient))
        }
    }

    @Test("wecom token case", arguments: Fixtures.cases("token"))
    func tokenCase(_ name: String) throws {
        let adapter = try Self.adapter("token", name, vendor: "app")
        let context = RequestContext(nowMilliseconds: fixedContext.nowMilliseconds, nonce: 42, attempt: 1)
        guard case .fetch(let request)? = try adapter.tokenStep(context: context) else {
            Issue.record("the app profile must fetch its token")
            return
        }
        let expectedRequest = try Fixtures.json("token", name, "request.expected.json")
        #expect(request.fixtureJSON == expectedRequest, "got \(request.fixtureJSON.serialized)")
        let response = VendorResponse(fixture: try Fixtures.json("token", name, "response.json"))
        let result = adapter.token(from: response, context: context)
        let expected = try Fixtures.json("token", name, "token.expected.json")
        #expect(result.fixtureJSON == expected, "got \(result.fixtureJSON.serialized)")
    }

    @Test func everyCaseRecordsItsSource() throws {
        for kind in Self.profiles + ["token"] {
            let names = Fixtures.cases(kind)
            #expect(names.count >= 5, "\(kind)")
            for name in names {
                let source = try Fixtures.text(kind, name, "SOURCE")
                #expect(source.contains("vendors.md §3."), "\(kind)/\(name)/SOURCE")
                #expect(source.contains("https://developer.work.weixin.qq.com/document/path/"), "\(kind)/\(name)")
            }
        }
    }

    @Test func fixturesCoverEveryOutcomeClass() throws {
        var seen: Set<String> = []
        for kind in Self.profiles {
            for name in Fixtures.cases(kind) where Fixtures.exists(kind, name, "outcome.expected.json") {
                var outcomes = [try Fixtures.json(kind, name, "outcome.expected.json")]
                if case .array(let items) = outcomes[0] { outcomes = items }
                for outcome in outcomes {
                    seen.insert(
                        [outcome["outcome"]?.stringValue, outcome["category"]?.stringValue].compactMap { $0 }
                            .joined(separator: "/"))
                }
            }
        }
        let expected: Set<String> = [
            "accepted", "retry/auth_expired", "retry/throttled", "retry/vendor_unavailable", "retry/unknown",
            "reject/auth_expired", "reject/invalid_recipient", "reject/content_rejected",
        ]
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
    }
}
