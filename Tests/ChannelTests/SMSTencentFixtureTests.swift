import ChannelKit
import ChannelSMS
import Testing

/// Golden cases for the `tencent` profile: `Fixtures/sms-tencent/<case>/`, run by ``VendorGoldenCase``.
struct SMSTencentFixtureTests {
    static let kind = "sms-tencent"

    @Test("sms-tencent golden case", arguments: Fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        try VendorGoldenCase.run(kind: Self.kind, vendor: "tencent", name: name)
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = Fixtures.cases(Self.kind)
        #expect(names.count >= 14)
        for name in names {
            let source = try Fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("vendors.md 2.2") && source.contains("cloud.tencent.com"), "\(name)/SOURCE")
        }
    }

    @Test func fixturesCoverEveryOutcomeClass() throws {
        let expected: Set<String> = [
            "accepted", "retry/throttled", "retry/vendor_unavailable", "retry/unknown", "retry/auth_expired",
            "reject/auth_expired", "reject/invalid_recipient", "reject/content_rejected", "reject/quota_exceeded",
        ]
        let seen = try VendorGoldenCase.outcomeClasses(kind: Self.kind)
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
    }
}
