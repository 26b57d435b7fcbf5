import ChannelKit
import Foundation
import GatewayConfig
import Testing

/// `strategies_dir`, `strategies:` and `privacy:` in gateway.yaml, loaded by ``ConfigLoader`` like channels.d.
struct StrategyConfigTests {
    private let channel = "type: test\nsettings: {url: http://vendor.example}\n"
    private let sms = "type: sms\nvendor: aliyun\nsettings: {url: http://vendor.example}\n"

    @Test func aMissingStrategiesDirectoryMeansNoStrategies() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let result = fixture.load()
        #expect(result.issues.isEmpty)
        #expect(result.configuration?.strategies.isEmpty == true)
        #expect(result.configuration?.strategiesDirectory == fixture.path("strategies.d"))
        #expect(result.configuration?.strategySettings == StrategySettings())
        #expect(result.configuration?.pseudonymKey == nil)
    }

    @Test func strategiesAreLoadedSortedAndCheckedAgainstTheChannels() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/push.yaml", channel)
        try fixture.write("strategies.d/zeta.yaml", "steps:\n  - {id: a, send: {channel: push, template: t}}\n")
        try fixture.write("strategies.d/alpha.yaml", "steps:\n  - {id: a, handoff: {strategy: zeta}}\n")
        try fixture.write("strategies.d/beta.yaml.sample", "not: loaded\n")
        let result = fixture.load()
        #expect(result.issues.isEmpty, "\(fixture.lines(result))")
        #expect(result.configuration?.strategies.map(\.name) == ["alpha", "zeta"])
        #expect(result.configuration?.strategies.first?.mark.file == fixture.path("strategies.d/alpha.yaml"))
    }

    @Test func errorsInStrategiesAreReportedWithTheChannelErrors() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/push.yaml", channel)
        try fixture.write("strategies.d/a.yaml", "steps:\n  - {id: a, send: {channel: pushh, template: t}}\n")
        try fixture.write("strategies.d/b.yaml", "steps:\n  - {id: a, handoff: {strategy: nobody}}\n")
        try fixture.write("strategies.d/Bad.yaml", "steps:\n  - {id: a, stop: {}}\n")
        try fixture.write("strategies.d/notes.txt", "")
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.lines(result) == [
                "strategies.d/Bad.yaml:1:1: error: the strategy name 'Bad' (the file name without .yaml) must match "
                    + "[a-z0-9][a-z0-9_-]{0,62}",
                "strategies.d/a.yaml:2:29: error: unknown channel instance 'pushh'; configured instances: push",
                "strategies.d/b.yaml:2:33: error: 'handoff' names no strategy: there is no nobody.yaml (strategies: "
                    + "Bad, a, b)",
                "strategies.d/notes.txt:1:1: warning: not loaded: strategies are NAME.yaml files; a name ending in "
                    + ".sample keeps a file here without this warning",
            ])
    }

    @Test func strictTurnsAStrategyWarningIntoAnError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/sms.yaml", sms)
        try fixture.write(
            "strategies.d/s.yaml",
            "steps:\n  - {id: s, send: {channel: sms, content: hi}}\n"
                + "  - {id: w, wait_for: {event: clicked, step: s, within: 1h, on_event: d, on_timeout: d}}\n"
                + "  - {id: d, stop: {}}\n")
        let relaxed = fixture.load()
        #expect(relaxed.configuration?.strategies.count == 1)
        #expect(relaxed.issues.map(\.severity) == [.warning])
        try fixture.write("gateway.yaml", "strict: true\n")
        let strict = fixture.load()
        #expect(strict.configuration == nil)
        #expect(strict.errors.first?.message.contains("can only time out") == true)
    }

    @Test func strategySettingsAreRead() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/push.yaml", channel)
        try fixture.write("channels.d/sms-a.yaml", sms)
        try fixture.write(
            "gateway.yaml",
            """
            strategies_dir: flows
            strategies: {commit_budget: 200, max_fire_rate: 9000, catch_up_rate: 500, catch_up_max_backlog: 1000,
              horizon_entries: 2000, quiet_hours_spread: 5m, enrol_key_window: 7d,
              affinity: {half_life: 14d, min_sends: 2, min_channels: 1, exploration: 0.1, prefer_margin: 0.3,
                fallback: [sms, test], instances: {test: push, sms: [sms-a]}}}
            privacy: {pseudonym_key: env:PSEUDO}

            """)
        let result = fixture.load(environment: ["PSEUDO": "0123456789abcdef-pseudonym"])
        #expect(result.issues.isEmpty, "\(fixture.lines(result))")
        let configuration = try #require(result.configuration)
        #expect(configuration.strategiesDirectory == fixture.path("flows"))
        let settings = configuration.strategySettings
        #expect(settings.commitBudget == 200 && settings.maxFireRate == 9000 && settings.catchUpRate == 500)
        #expect(settings.catchUpMaxBacklog == 1000 && settings.horizonEntries == 2000)
        #expect(settings.quietHoursSpread == .seconds(300) && settings.enrolKeyWindow == .seconds(7 * 86_400))
        #expect(settings.affinity.halfLife == .seconds(14 * 86_400) && settings.affinity.minSends == 2)
        #expect(settings.affinity.minChannels == 1 && settings.affinity.exploration == 0.1)
        #expect(settings.affinity.preferMargin == 0.3 && settings.affinity.fallback == ["sms", "test"])
        #expect(settings.affinity.instances == ["test": ["push"], "sms": ["sms-a"]])
        #expect(configuration.pseudonymKey?.reveal() == "0123456789abcdef-pseudonym")
        #expect(configuration.pseudonymKeyBytes == Array("0123456789abcdef-pseudonym".utf8))
    }

    @Test func affinityInstancesMustBeConfiguredInstancesOfTheirType() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/push.yaml", channel)
        try fixture.write(
            "gateway.yaml", "strategies:\n  affinity: {instances: {sms: push, test: [ghost], email: x}}\n")
        let result = fixture.load()
        #expect(
            fixture.lines(result) == [
                "gateway.yaml:2:31: error: 'affinity.instances.sms' names 'push', an instance of type 'test'",
                "gateway.yaml:2:44: error: 'affinity.instances.test' names 'ghost', which is no configured instance",
                "gateway.yaml:2:52: error: unknown channel type 'email' in 'instances' (one of: test, sms)",
            ])
    }

    @Test func unknownStrategySettingsKeysListTheValidOnes() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "strategies: {fire_rate: 5}\nprivacy: {key: x}\n")
        let lines = fixture.lines(fixture.load())
        #expect(lines.count == 2)
        #expect(
            lines[0].hasPrefix("gateway.yaml:1:14: error: unknown key 'fire_rate' in 'strategies'; expected one of: "))
        #expect(lines[1] == "gateway.yaml:2:11: error: unknown key 'key' in 'privacy'; expected one of: pseudonym_key")
    }

    @Test func aPseudonymKeyWrittenInlineIsAWarningAndAShortOneAnError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let hex = String(repeating: "ab", count: 32)
        try fixture.write("gateway.yaml", "privacy: {pseudonym_key: \(hex)}\n")
        let result = fixture.load()
        #expect(
            fixture.lines(result) == [
                "gateway.yaml:1:26: warning: 'pseudonym_key' holds a secret written inline; use credential:NAME, "
                    + "env:NAME or file:PATH"
            ])
        #expect(result.configuration?.pseudonymKeyBytes == [UInt8](repeating: 0xAB, count: 32))
        try fixture.write("gateway.yaml", "privacy: {pseudonym_key: env:SHORT}\n")
        #expect(
            fixture.lines(fixture.load(environment: ["SHORT": "abc"])) == [
                "gateway.yaml:1:26: error: 'pseudonym_key' must be at least 16 bytes (or 32 bytes as 64 hex digits or "
                    + "base64)"
            ])
    }

    @Test func aFileOverOneMebibyteIsAClearErrorAndOneJustUnderLoads() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let steps = "steps:\n  - {id: a, stop: {}}\n"
        let comment = "# " + String(repeating: "x", count: 1000) + "\n"
        let under = String(repeating: comment, count: (1 << 20 - steps.utf8.count) / comment.utf8.count)
        try fixture.write("strategies.d/big.yaml", steps + under)
        let loaded = fixture.load()
        #expect(loaded.issues.isEmpty)
        #expect(loaded.configuration?.strategies.first?.source.utf8.count ?? 0 > 1_000_000)

        try fixture.write("strategies.d/big.yaml", steps + under + comment + comment)
        let refused = fixture.load()
        #expect(refused.configuration == nil)
        #expect(fixture.lines(refused).first?.contains("more than the limit of 1048576") == true)

        // 1 MiB of steps: refused at the 65th, no crash.
        let many = (0..<38_000).map { "  - {id: s\($0), wait: 1s}\n" }.joined()
        try fixture.write("strategies.d/big.yaml", "steps:\n" + many)
        let tooMany = fixture.load()
        #expect(tooMany.configuration == nil)
        #expect(
            fixture.lines(tooMany) == [
                "strategies.d/big.yaml:66:5: error: a strategy has at most 64 steps; this one has 38000"
            ])
    }
}
