import ChannelKit
import GatewayConfig
import Testing

/// `on_ambiguous` in a channels.d file.
struct AmbiguousOutcomeConfigTests {
    @Test func defaultsToRetryAndReadsBothValues() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/otp.yaml", "type: test\nsettings: {url: u}\n")
        try fixture.write("channels.d/promo.yaml", "type: test\non_ambiguous: fail\nsettings: {url: u}\n")
        try fixture.write("channels.d/alerts.yaml", "type: test\non_ambiguous: retry\nsettings: {url: u}\n")
        let result = fixture.load()
        #expect(result.issues.isEmpty)
        let channels = try #require(result.configuration?.channels)
        let policies = Dictionary(uniqueKeysWithValues: channels.map { ($0.name, $0.onAmbiguous) })
        #expect(policies == ["otp": .retry, "promo": .fail, "alerts": .retry])
    }

    @Test func anotherValueIsALocatedError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/promo.yaml", "type: test\non_ambiguous: ask\nsettings: {url: u}\n")
        let result = fixture.load()
        #expect(result.configuration == nil)
        let issue = try #require(result.issues.first)
        #expect(issue.mark.line == 2)
        #expect(issue.message == "invalid value 'ask' for 'on_ambiguous'; expected one of: retry, fail")
    }
}
