import ChannelKit
import ChannelSMS
import Testing

/// Golden cases for the generic `http` SMS profile: one folder per case under `Fixtures/sms-http/`.
struct SMSHTTPFixtureTests {
    static let kind = "sms-http"

    @Test("sms-http golden case", arguments: Fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        let settings = TestConfig.node(try Fixtures.json(Self.kind, name, "settings.json"))
        let built = TestConfig.make(SMSChannel.kind, vendor: "http", settings: settings, instance: "sms-golden")
        #expect(built.issues.isEmpty, "\(built.issues)")
        let adapter = try #require(built.adapter)
        let message = OutboundMessage(fixture: try Fixtures.json(Self.kind, name, "message.json"))

        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: fixedContext)
        let expectedRequest = try Fixtures.json(Self.kind, name, "request.expected.json")
        #expect(request.fixtureJSON == expectedRequest, "got \(request.fixtureJSON.serialized)")

        guard Fixtures.exists(Self.kind, name, "response.json") else { return }
        let response = VendorResponse(fixture: try Fixtures.json(Self.kind, name, "response.json"))
        let outcome = adapter.outcome(of: response, to: request, message: message)
        let expectedOutcome = try Fixtures.json(Self.kind, name, "outcome.expected.json")
        #expect(outcome.fixtureJSON == expectedOutcome, "got \(outcome.fixtureJSON.serialized)")
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = Fixtures.cases(Self.kind)
        #expect(names.count >= 10)
        for name in names {
            let source = try Fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("generic http profile"), "\(name)/SOURCE")
        }
    }

    @Test func fixturesCoverEveryOutcomeClass() throws {
        var seen: Set<String> = []
        for name in Fixtures.cases(Self.kind) where Fixtures.exists(Self.kind, name, "outcome.expected.json") {
            let outcome = try Fixtures.json(Self.kind, name, "outcome.expected.json")
            seen.insert(
                [outcome["outcome"]?.stringValue, outcome["category"]?.stringValue].compactMap { $0 }
                    .joined(separator: "/"))
        }
        let expected: Set<String> = [
            "accepted", "retry/throttled", "retry/vendor_unavailable", "retry/unknown", "reject/auth_expired",
            "reject/invalid_recipient", "reject/unknown",
        ]
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
    }
}
