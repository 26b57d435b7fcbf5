import ChannelKit
import ChannelWeChatOA
import Foundation
import Testing

/// Golden cases, one folder each under `Fixtures/<profile>/` (written by `Fixtures/generate-wechat-oa.py`):
/// settings and message in, the exact request out; the vendor's reply in, the outcome out.
struct WeChatOAFixtureTests {
    static let sendProfiles = ["template", "subscribe"]

    @Test("template golden case", arguments: Fixtures.cases("template"))
    func templateCase(_ name: String) throws {
        try sendCase("template", name)
    }

    @Test("subscribe golden case", arguments: Fixtures.cases("subscribe"))
    func subscribeCase(_ name: String) throws {
        try sendCase("subscribe", name)
    }

    func sendCase(_ profile: String, _ name: String) throws {
        let built = TestConfig.make(vendor: profile, json: try Fixtures.json(profile, name, "settings.json"))
        #expect(built.issues.isEmpty, "\(built.issues)")
        let adapter = try #require(built.adapter)
        let message = OutboundMessage(fixture: try Fixtures.json(profile, name, "message.json"))

        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: try context(profile, name))
        let expectedRequest = try Fixtures.json(profile, name, "request.expected.json")
        #expect(request.fixtureJSON == expectedRequest, "got \(request.fixtureJSON.serialized)")

        guard Fixtures.exists(profile, name, "response.json") else { return }
        let response = VendorResponse(fixture: try Fixtures.json(profile, name, "response.json"))
        let outcome = adapter.outcome(of: response, to: request, message: message)
        let expectedOutcome = try Fixtures.json(profile, name, "outcome.expected.json")
        #expect(outcome.fixtureJSON == expectedOutcome, "got \(outcome.fixtureJSON.serialized)")
    }

    /// The token request (`stable_token`) and the reading of its reply.
    @Test("stable-token golden case", arguments: Fixtures.cases("stable-token"))
    func tokenCase(_ name: String) throws {
        let built = TestConfig.make(json: try Fixtures.json("stable-token", name, "settings.json"))
        #expect(built.issues.isEmpty, "\(built.issues)")
        let adapter = try #require(built.adapter)
        var context = fixedContext
        context.accessToken = nil
        let request = try #require(try adapter.tokenStep(context: context)?.fetchRequest)
        let expectedRequest = try Fixtures.json("stable-token", name, "request.expected.json")
        #expect(request.fixtureJSON == expectedRequest, "got \(request.fixtureJSON.serialized)")

        let response = VendorResponse(fixture: try Fixtures.json("stable-token", name, "response.json"))
        let result = adapter.token(from: response, context: context)
        let expected = try Fixtures.json("stable-token", name, "token.expected.json")
        #expect(result.fixtureJSON == expected, "got \(result.fixtureJSON.serialized)")
    }

    @Test func everyCaseRecordsItsSource() throws {
        var count = 0
        for profile in Self.sendProfiles + ["stable-token"] {
            let names = Fixtures.cases(profile)
            #expect(names.count >= 4, "\(profile)")
            for name in names {
                let source = try Fixtures.text(profile, name, "SOURCE")
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
            for name in Fixtures.cases(profile) where Fixtures.exists(profile, name, "outcome.expected.json") {
                let outcome = try Fixtures.json(profile, name, "outcome.expected.json")
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
        for line in try Fixtures.plugin("README.md").split(separator: "\n") where line.hasPrefix("| ") {
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
            for name in Fixtures.cases(profile) where Fixtures.exists(profile, name, "outcome.expected.json") {
                let outcome = try Fixtures.json(profile, name, "outcome.expected.json")
                seen.insert(
                    [outcome["outcome"]?.stringValue, outcome["category"]?.stringValue].compactMap { $0 }
                        .joined(separator: "/"))
            }
        }
        let expected: Set<String> = [
            "accepted", "retry/throttled", "retry/vendor_unavailable", "retry/unknown", "retry/auth_expired",
            "retry/quota_exceeded", "reject/auth_expired", "reject/invalid_recipient", "reject/content_rejected",
            "reject/unknown",
        ]
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
    }
}
