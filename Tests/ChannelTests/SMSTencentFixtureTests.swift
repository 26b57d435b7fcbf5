import ChannelKit
import ChannelSMS
import ChannelTesting
import Testing

/// Golden cases for the `tencent` profile: `Fixtures/sms-tencent/<case>/`, run by ``smsGoldenCases``.
struct SMSTencentFixtureTests {
    static let kind = "sms-tencent"

    @Test("sms-tencent golden case", arguments: fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        try smsGoldenCases.send(Self.kind, name, vendor: "tencent")
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = fixtures.cases(Self.kind)
        #expect(names.count >= 14)
        for name in names {
            let source = try fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("vendors.md 2.2") && source.contains("cloud.tencent.com"), "\(name)/SOURCE")
        }
    }

    @Test func fixturesCoverEveryOutcomeClass() throws {
        let expected: Set<String> = [
            "accepted", "retry/throttled", "retry/vendor_unavailable", "retry/unknown", "retry/auth_expired",
            "reject/auth_expired", "reject/invalid_recipient", "reject/content_rejected", "reject/quota_exceeded",
        ]
        let seen = try fixtures.outcomeClasses(Self.kind)
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
    }
}
