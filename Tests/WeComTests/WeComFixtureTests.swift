import ChannelKit
import ChannelTesting
import ChannelWeCom
import Testing

/// Golden cases, one folder per case under `Fixtures/<profile>/` (made by `Fixtures/generate-wecom.py`): settings
/// and messages in, the exact request out; a reply in, the outcome out.
struct WeComFixtureTests {
    static let profiles = ["app", "external_contact", "robot"]
    static let allCases = profiles.flatMap { profile in fixtures.cases(profile).map { "\(profile)/\($0)" } }

    static let golden = GoldenCases(fixtures, kind: WeComChannel.kind, instance: "wecom-test", context: fixedContext)

    @Test("wecom golden case", arguments: allCases)
    func goldenCase(_ path: String) throws {
        let parts = path.split(separator: "/").map(String.init)
        try Self.golden.send(parts[0], parts[1], vendor: parts[0])
    }

    @Test("wecom token case", arguments: fixtures.cases("token"))
    func tokenCase(_ name: String) throws {
        try Self.golden.token("token", name, vendor: "app")
    }

    @Test func everyCaseRecordsItsSource() throws {
        for kind in Self.profiles + ["token"] {
            let names = fixtures.cases(kind)
            #expect(names.count >= 5, "\(kind)")
            for name in names {
                let source = try fixtures.text(kind, name, "SOURCE")
                #expect(source.contains("vendors.md §3."), "\(kind)/\(name)/SOURCE")
                #expect(source.contains("https://developer.work.weixin.qq.com/document/path/"), "\(kind)/\(name)")
            }
        }
    }

    @Test func fixturesCoverEveryOutcomeClass() throws {
        var seen: Set<String> = []
        for kind in Self.profiles {
            seen.formUnion(try fixtures.outcomeClasses(kind))
        }
        let expected: Set<String> = [
            "accepted", "retry/auth_expired", "retry/throttled", "retry/vendor_unavailable", "retry/unknown",
            "reject/auth_expired", "reject/invalid_recipient", "reject/content_rejected",
        ]
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
    }
}
