import Foundation
import Testing

@testable import GatewayConfig

/// channel-gateway.yaml(5) read back and compared with the keys the loader accepts, so that a key added to
/// `gateway.yaml`, `strategies:` or a strategy file cannot ship undocumented, and a documented key cannot be
/// one the loader refuses.
struct StrategyManPageTests {
    static let pagePath =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("man/channel-gateway.yaml.5").path

    static func lines() throws -> [Substring] {
        try String(contentsOfFile: pagePath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// The lines of a `.SH` or `.SS` section, without its heading.
    static func section(_ heading: String, in lines: [Substring]) -> [Substring] {
        guard let start = lines.firstIndex(of: heading[...]) else { return [] }
        let rest = lines[(start + 1)...]
        let end =
            rest.firstIndex { $0.hasPrefix(".SH") || (heading.hasPrefix(".SS") && $0.hasPrefix(".SS")) }
            ?? lines.endIndex
        return Array(lines[(start + 1)..<end])
    }

    typealias Term = (depth: Int, parent: String?, key: String)

    /// The tagged terms (`.TP`/`.TQ` followed by `.B`/`.BR key`) of a section, by `.RS` depth, each with the term
    /// it is nested in (`nil` at depth 0).
    static func terms(_ lines: [Substring]) -> [Term] {
        var result: [Term] = []
        var depth = 0
        var lastAt: [Int: String] = [:]
        for (offset, line) in lines.enumerated() {
            if line == ".RS" { depth += 1 }
            if line == ".RE" { depth -= 1 }
            guard line == ".TP" || line == ".TQ", offset + 1 < lines.count else { continue }
            let parts = lines[offset + 1].split(separator: " ")
            guard parts.count >= 2, [".B", ".BR"].contains(parts[0]) else { continue }
            let key = parts[1].replacingOccurrences(of: "\\-", with: "-")
            lastAt[depth] = key
            result.append((depth, depth == 0 ? nil : lastAt[depth - 1], key))
        }
        return result
    }

    static func keys(_ terms: [Term], depth: Int, parent: String?) -> Set<String> {
        Set(terms.filter { $0.depth == depth && $0.parent == parent }.map(\.key))
    }

    @Test func everyGatewayYAMLKeyIsDocumentedAndNothingElse() throws {
        let terms = Self.terms(Self.section(".SH GATEWAY.YAML", in: try Self.lines()))
        #expect(Self.keys(terms, depth: 0, parent: nil) == Set(ConfigLoader.gatewayKeys))
        #expect(Self.keys(terms, depth: 1, parent: "strategies") == Set(StrategySettings.keys))
        #expect(Self.keys(terms, depth: 2, parent: "affinity") == Set(StrategySettings.affinityKeys))
    }

    @Test func everyStrategyKeyStepKindAndSendKeyIsDocumented() throws {
        let lines = try Self.lines()
        let settings = Self.terms(Self.section(".SS Settings", in: lines))
        #expect(Self.keys(settings, depth: 0, parent: nil) == Set(StrategyLoader.strategyKeys))
        let steps = Self.terms(Self.section(".SS Steps", in: lines))
        #expect(Self.keys(steps, depth: 0, parent: nil) == Set(StrategyLoader.stepKinds))
        #expect(Self.keys(steps, depth: 1, parent: "send") == Set(StrategyLoader.sendKeys))
        let stepText = Self.section(".SS Steps", in: lines).joined(separator: "\n")
        for key in StrategyLoader.stepKeys {
            #expect(stepText.contains(".B \(key)") || stepText.contains(".BR \(key)"), "step key \(key)")
        }
    }

    /// The strategy of EXAMPLES, with its roff escapes undone, loads without an error or a warning.
    @Test func theStrategyExampleLoads() throws {
        let lines = Self.section(".SH EXAMPLES", in: try Self.lines())
        let heading = try #require(lines.firstIndex { $0.contains("strategies.d/") })
        let start = try #require(lines[heading...].firstIndex(of: ".EX")) + 1
        let end = try #require(lines[start...].firstIndex(of: ".EE"))
        var text = lines[start..<end].joined(separator: "\n").replacingOccurrences(of: "\\-", with: "-")
        let escape = try Regex(#"\\\[u([0-9A-F]{4})\]"#)
        text = text.replacing(escape) { match in
            let hex = match.output[1].substring ?? "0"
            return String(Character(Unicode.Scalar(UInt32(hex, radix: 16) ?? 0x3F) ?? "?"))
        }
        #expect(!text.contains("\\"), "an escape left in the example")
        let (definition, issues) = StrategyLoader.check(
            source: text, name: "welcome", file: "welcome.yaml", channels: StrategyText.channels,
            settings: StrategyText.settings)
        #expect(issues.map(\.description) == [])
        #expect(definition?.steps.map(\.id) == ["push", "wait-push", "sms", "done"])
    }
}
