import ChannelKit
import ChannelTesting
import ChannelWeChatOA
import Foundation
import Testing

/// Golden cases, one folder each under `Fixtures/<profile>/` (written by `Fixtures/generate-wechat-oa.py`):
/// settings and message in, the exact request out; the vendor's reply in, the outcome out.
struct WeChatOAFixtureTests {
    static let sendProfiles = ["template", "subscribe"]

    static let golden = GoldenCases(
        fixtures, kind: WeChatOAChannel.kind, instance: "wechat-golden", context: fixedContext)

    @Test("template golden case", arguments: fixtures.cases("template"))
    func templateCase(_ name: String) throws {
        try Self.golden.send("template", name, vendor: "template")
    }

    @Test("subscribe golden case", arguments: fixtures.cases("subscribe"))
    func subscribeCase(_ name: String) throws {
        try Self.golden.send("subscribe", name, vendor: "subscribe")
    }

    /// The token request (`stable_token`) and the reading of its reply.
    @Test("stable-token golden case", arguments: fixtures.cases("stable-token"))
    func tokenCase(_ name: String) throws {
        try Self.golden.token("stable-token", name, vendor: "template")
    }

    @Test func everyCaseRecordsItsSource() throws {
        var count = 0
        for profile in Self.sendProfiles + ["stable-token"] {
            let names = fixtures.cases(profile)
            #expect(names.count >= 4, "\(profile)")
            for name in names {
                let source = try fixtures.text(profile, name, "SOURCE")
                #expect(source.contains("vendors.md §4"), "\(profile)/\(name)/SOURCE")
                #expect(source.contains("https://developers.weixin.qq.com/"), "\(profile)/\(name)/SOURCE")
                count += 1
            }
        }
        #expect(count >= 50)
    }

    /// Every row of the README's error-code table has a golden reply fixture giving that outcome, and every
    /// fixture's vendor code is in the table (so the documented table is the tested one).
    @Test func readmeErrorTableIsTheTestedOne() throws {
        let rows = try Self.readmeErrorRows()
        #expect(rows.count >= 20)
        var seen: [String: String] = [:]
        for profile in Self.sendProfiles {
            for name in fixtures.cases(profile) where fixtures.exists(profile, name, "outcome.expected.json") {
                let outcome = try fixtures.json(profile, name, "outcome.expected.json")
                guard let code = outcome["vendor_code"]?.stringValue, !code.hasPrefix("HTTP") else { continue }
                let kind = outcome["outcome"]?.stringValue ?? ""
                let category = outcome["category"]?.stringValue ?? ""
                seen[code] = "\(kind) \(category)"
            }
        }
        for (code, expected) in rows {
            #expect(
                seen[code] == expected, "errcode \(code): README says \(expected), fixtures \(seen[code] ?? "none")")
        }
        let undocumented = Set(seen.keys).subtracting(rows.keys).subtracting(["99999"])
        #expect(undocumented.isEmpty, "fixture codes missing from the README: \(undocumented.sorted())")
    }

    /// The README's `| errcode | meaning | outcome | category | … |` rows: code → "outcome category".
    static func readmeErrorRows() throws -> [String: String] {
        var rows: [String: String] = [:]
        for line in try fixtures.plugin("README.md").split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|").map { String($0).trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            for code in cells[0].split(separator: ",").map({ String($0).trimmingCharacters(in: .whitespaces) })
            where Int(code) != nil {
                rows[code] = "\(cells[2]) \(cells[3])"
            }
        }
        return rows
    }

    @Test func fixturesCoverEveryOutcomeClass() throws {
        var seen: Set<String> = []
        for profile in Self.sendProfiles {
            seen.formUnion(try fixtures.outcomeClasses(profile))
        }
        let expected: Set<String> = [
            "accepted", "retry/throttled", "retry/vendor_unavailable", "retry/unknown", "retry/auth_expired",
            "retry/quota_exceeded", "reject/auth_expired", "reject/invalid_recipient", "reject/content_rejected",
            "reject/unknown",
        ]
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
    }
}
