import ChannelKit
import GatewayConfig
import Testing

/// The policy keys of gateway.yaml and the `failover`/`send_window` keys of instance files.
struct PolicyConfigTests {
    @Test func capsQuietHoursAndKeywordsAreRead() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write(
            "gateway.yaml",
            """
            timezone: Asia/Shanghai
            listen: 127.0.0.1:0
            frequency_caps:
              marketing:
                - { max: 3, per: 7d }
                - { name: daily, max: 1, per: 1d, per_channel: true }
            quiet_hours:
              - { categories: [marketing], channels: [test], allowed: "08:00-21:00" }
              - { allowed: "22:00-06:00" }
            optout_keywords: [STOP, 退订]
            """)
        try fixture.write("channels.d/a.yaml", "type: test\nsettings: {url: u}\n")
        let configuration = try #require(fixture.load().configuration)
        let policy = configuration.policy
        #expect(policy.timeZone == "Asia/Shanghai")
        #expect(policy.caps.map(\.name) == ["marketing-3-per-7d", "daily"])
        #expect(policy.caps[1].perChannel)
        #expect(policy.caps[0].per == .seconds(7 * 86_400))
        #expect(policy.quietHours.count == 2)
        #expect(policy.quietHours[0].allowedFrom == 480 && policy.quietHours[0].allowedUntil == 1260)
        #expect(policy.quietHours[1].categories == [.marketing])
        #expect(policy.quietHours[1].channelTypes == nil)
        #expect(policy.optOutKeywords == ["STOP", "退订"])
        #expect(configuration.listen == ListenEndpoint(host: "127.0.0.1", port: 0))
    }

    @Test func badPolicyValuesAreErrorsAtTheirPosition() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write(
            "gateway.yaml",
            """
            timezone: Mars/Olympus
            listen: localhost
            frequency_caps:
              critical: [{ max: 1, per: 1d }]
              marketing:
                - { max: 0, per: 1d }
            quiet_hours:
              - { categories: [critical], channels: [fax], allowed: "8-21" }
            """)
        try fixture.write("channels.d/a.yaml", "type: test\nsettings: {url: u}\n")
        let result = fixture.load()
        #expect(result.configuration == nil)
        let lines = fixture.lines(result)
        #expect(
            lines.contains { $0.hasPrefix("gateway.yaml:1:11: error: unknown time zone 'Mars/Olympus'") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("gateway.yaml:2:9: error: expected 'listen'") }, "\(lines)")
        #expect(lines.contains { $0.contains("critical messages are never capped") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("gateway.yaml:6:14: error:") && $0.contains("'max'") }, "\(lines)")
        #expect(lines.contains { $0.contains("critical messages are never held by quiet hours") }, "\(lines)")
        #expect(lines.contains { $0.contains("unknown channel type 'fax'") }, "\(lines)")
        #expect(lines.contains { $0.contains("expected 'allowed' as HH:MM-HH:MM") }, "\(lines)")
    }

    @Test func failoverMustNameAnotherInstanceOfTheSameType() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "log_level: info\n")
        try fixture.write(
            "channels.d/a.yaml", "type: test\nfailover: b\nsend_window: \"09:00-20:00\"\nsettings: {url: u}\n")
        try fixture.write("channels.d/b.yaml", "type: test\nsettings: {url: u}\n")
        let good = try #require(fixture.load().configuration)
        #expect(good.channels.first { $0.name == "a" }?.failover == "b")
        #expect(good.channels.first { $0.name == "a" }?.sendWindow?.from == 540)

        try fixture.write("channels.d/a.yaml", "type: test\nfailover: nowhere\nsettings: {url: u}\n")
        try fixture.write("channels.d/c.yaml", "type: sms\nvendor: aliyun\nfailover: b\nsettings: {url: u}\n")
        try fixture.write("channels.d/d.yaml", "type: test\nfailover: d\nsend_window: late\nsettings: {url: u}\n")
        let result = fixture.load()
        #expect(result.configuration == nil)
        let lines = fixture.lines(result)
        #expect(
            lines.contains { $0.hasPrefix("channels.d/a.yaml:2:11: error: 'failover' names no instance") }, "\(lines)")
        #expect(
            lines.contains { $0.hasPrefix("channels.d/c.yaml:3:11: error: 'failover' instance 'b' is of type 'test'") },
            "\(lines)")
        #expect(
            lines.contains { $0.hasPrefix("channels.d/d.yaml:2:11: error: 'failover' names this instance itself") },
            "\(lines)")
        #expect(lines.contains { $0.hasPrefix("channels.d/d.yaml:3:14: error: expected 'send_window'") }, "\(lines)")
    }
}
