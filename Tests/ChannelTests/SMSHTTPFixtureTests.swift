import ChannelKit
import ChannelSMS
import ChannelTesting
import Testing

/// Golden cases for the generic `http` SMS profile: one folder per case under `Fixtures/sms-http/`.
struct SMSHTTPFixtureTests {
    static let kind = "sms-http"

    @Test("sms-http golden case", arguments: fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        try smsGoldenCases.send(Self.kind, name, vendor: "http")
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = fixtures.cases(Self.kind)
        #expect(names.count >= 10)
        for name in names {
            let source = try fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("generic http profile"), "\(name)/SOURCE")
        }
    }

    @Test func fixturesCoverEveryOutcomeClass() throws {
        let seen = try fixtures.outcomeClasses(Self.kind)
        let expected: Set<String> = [
            "accepted", "retry/throttled", "retry/vendor_unavailable", "retry/unknown", "reject/auth_expired",
            "reject/invalid_recipient", "reject/unknown",
        ]
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
    }
}
