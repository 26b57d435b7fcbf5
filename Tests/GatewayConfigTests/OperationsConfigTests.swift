import ChannelKit
import GatewayConfig
import Testing

/// `log_format`, `retention` and `strict` in gateway.yaml.
@Suite struct OperationsConfigTests {
    @Test func defaultsAreTextLogsNinetyDaysAndLenient() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let configuration = try #require(fixture.load().configuration)
        #expect(configuration.logFormat == "text")
        #expect(configuration.retention == .seconds(90 * 86_400))
        #expect(!configuration.strict)
    }

    @Test func valuesAreReadAndCheckedAtTheirPosition() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "log_format: json\nretention: 30d\n")
        let configuration = try #require(fixture.load().configuration)
        #expect(configuration.logFormat == "json")
        #expect(configuration.retention == .seconds(30 * 86_400))
        try fixture.write("gateway.yaml", "log_format: xml\nretention: 1h\nstrict: yes\n")
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(fixture.locations(result) == ["gateway.yaml:1:13", "gateway.yaml:2:12", "gateway.yaml:3:9"])
    }

    @Test func strictTurnsAnInlineSecretWarningIntoAnError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/one.yaml", "type: test\nsettings:\n  url: http://x\n  api_key: sk-inline\n")
        let lenient = fixture.load()
        #expect(lenient.configuration != nil)
        #expect(lenient.issues.map(\.severity) == [.warning])
        try fixture.write("gateway.yaml", "strict: true\n")
        let strict = fixture.load()
        #expect(strict.configuration == nil)
        #expect(
            fixture.lines(strict).first?.hasPrefix("channels.d/one.yaml:4:12: error:") == true,
            "\(fixture.lines(strict))")
        #expect(!fixture.lines(strict).joined().contains("sk-inline"))
    }
}
