import ChannelKit
import Foundation
import GatewayConfig
import Testing

@Suite struct ConfigLoaderTests {
    private let validChannel = "type: test\nsettings:\n  url: http://vendor.example\n"

    @Test func defaultsAreApplied() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/beta.yaml", validChannel)
        try fixture.write("channels.d/alpha.yaml", "type: test\nrate_limit: {per_second: 2.5}\nsettings: {url: u}\n")
        try fixture.write("channels.d/README.md", "not yaml: [")
        try fixture.write("channels.d/old.yaml.bak", "not yaml: [")

        let result = fixture.load()
        // Files that are not NAME.yaml load nothing and are warnings, which do not stop the load.
        #expect(result.issues.map(\.severity) == [.warning, .warning])
        let configuration = try #require(result.configuration)
        #expect(configuration.socketPath == "/run/channel-gateway/gateway.sock")
        #expect(configuration.stateDirectory == "/var/lib/channel-gateway")
        #expect(configuration.channelsDirectory == fixture.path("channels.d"))
        #expect(configuration.dedupWindow == .seconds(7 * 86_400))
        #expect(configuration.maxLineBytes == 1_048_576)
        #expect(configuration.maxPendingWrites == 50_000)
        #expect(configuration.drainTimeout == .seconds(10))
        #expect(configuration.logLevel == "info")
        #expect(configuration.channels.map(\.name) == ["alpha", "beta"])

        let alpha = configuration.channels[0]
        #expect(alpha.kind == "test" && alpha.vendor == nil)
        #expect(alpha.rateLimit == RateLimitConfiguration(perSecond: 2.5, burst: 3))
        #expect(alpha.file == fixture.path("channels.d/alpha.yaml"))
        let beta = configuration.channels[1]
        #expect(beta.rateLimit == RateLimitConfiguration(perSecond: 100, burst: 100))
        #expect(beta.retry == RetryConfiguration(attempts: 5, initialBackoff: .seconds(1), maxBackoff: .seconds(300)))
        #expect(beta.timeout == .seconds(10))
        #expect(beta.concurrency == 32)
        #expect((beta.adapter as? RecordingAdapter)?.url == "http://vendor.example")
    }

    @Test func everyGatewayKeyIsRead() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write(
            "gateway.yaml",
            """
            socket: /tmp/gw.sock
            state_dir: /tmp/state
            channels_dir: instances
            dedup_window: 2d
            max_line_bytes: 4096
            max_pending_writes: 1000
            drain_timeout: 0s
            log_level: debug

            """
        )
        try fixture.write("instances/sms-aliyun.yaml", "type: sms\nvendor: aliyun\nsettings: {url: u}\n")
        let result = fixture.load()
        #expect(result.issues.isEmpty)
        let configuration = try #require(result.configuration)
        #expect(configuration.socketPath == "/tmp/gw.sock")
        #expect(configuration.stateDirectory == "/tmp/state")
        #expect(configuration.channelsDirectory == fixture.path("instances"))
        #expect(configuration.dedupWindow == .seconds(2 * 86_400))
        #expect(configuration.maxLineBytes == 4096 && configuration.maxPendingWrites == 1000)
        #expect(configuration.drainTimeout == .zero && configuration.logLevel == "debug")
        #expect(configuration.channels.map(\.vendor) == ["aliyun"])
    }

    @Test func syntaxErrorIsLocated() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/a.yaml", "type: test\nrate_limit: [1, 2\nsettings: {url: u}\n")
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.lines(result) == [
                "channels.d/a.yaml:3:9: error: did not find expected ',' or ']' "
                    + "(while parsing a flow sequence started at line 2, column 13)"
            ]
        )
    }

    @Test func unknownKeysAtTopLevelAndInRateLimit() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "log_level: info\nlisten_on: 127.0.0.1\n")
        try fixture.write(
            "channels.d/a.yaml",
            "type: test\nrate_limit:\n  per_second: 5\n  brust: 10\nsettings: {url: u}\n"
        )
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(fixture.locations(result) == ["channels.d/a.yaml:4:3", "gateway.yaml:2:1"])
        #expect(result.issues[0].message.hasPrefix("unknown key 'brust' in 'rate_limit'; expected one of: per_second"))
        #expect(result.issues[1].message.hasPrefix("unknown key 'listen_on' in 'gateway'"))
    }

    @Test func wrongTypeAndBadDuration() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write(
            "channels.d/a.yaml",
            "type: test\nconcurrency: lots\ntimeout: 10 seconds\nretry: {initial_backoff: 1x}\nsettings: {url: u}\n"
        )
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.lines(result) == [
                "channels.d/a.yaml:2:14: error: expected an integer for 'concurrency', found 'lots'",
                "channels.d/a.yaml:3:10: error: expected a duration for 'timeout' such as 500ms, 2s, 5m, 48h or 7d, "
                    + "found '10 seconds'",
                "channels.d/a.yaml:4:26: error: expected a duration for 'initial_backoff' such as 500ms, 2s, 5m, 48h "
                    + "or 7d, found '1x'",
            ]
        )
    }

    @Test func plainOnIsNotABoolButQuotedOnIsText() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/a.yaml", "type: test\nsettings:\n  url: u\n  enabled: on\n")
        try fixture.write("channels.d/b.yaml", "type: test\nsettings:\n  url: u\n  enabled: true\n  label: \"on\"\n")
        let result = fixture.load()
        #expect(
            fixture.lines(result) == ["channels.d/a.yaml:4:12: error: expected true or false for 'enabled', found 'on'"]
        )

        let node = try YAMLParser.parse(Array("a: on\nb: \"on\"\n".utf8), file: "x")
        guard case .mapping(let entries, _) = node,
            case .scalar(let plain) = entries[0].value,
            case .scalar(let quoted) = entries[1].value
        else {
            Issue.record("expected a mapping of scalars")
            return
        }
        #expect(!plain.isQuoted && quoted.isQuoted && plain.text == quoted.text)

        try fixture.write("channels.d/a.yaml", validChannel)
        let fixed = fixture.load()
        let b = try #require(fixed.configuration?.channels.first { $0.name == "b" })
        let adapter = try #require(b.adapter as? RecordingAdapter)
        #expect(adapter.enabled == true && adapter.label == "on")
    }

    @Test func typeAndVendorRules() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/a-missing-type.yaml", "settings: {url: u}\n")
        try fixture.write("channels.d/b-unknown-type.yaml", "type: fax\nsettings: {url: u}\n")
        try fixture.write("channels.d/c-vendor-not-allowed.yaml", "type: test\nvendor: acme\nsettings: {url: u}\n")
        try fixture.write("channels.d/d-vendor-missing.yaml", "type: sms\nsettings: {url: u}\n")
        try fixture.write("channels.d/e-vendor-unknown.yaml", "type: sms\nvendor: acme\nsettings: {url: u}\n")
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.lines(result) == [
                "channels.d/a-missing-type.yaml:1:1: error: missing required key 'type' in 'a-missing-type'",
                "channels.d/b-unknown-type.yaml:1:7: error: unknown channel type 'fax'; known types: sms, test",
                "channels.d/c-vendor-not-allowed.yaml:2:9: error: 'vendor' is not allowed for channel type 'test', "
                    + "which has no vendors",
                "channels.d/d-vendor-missing.yaml:1:1: error: missing required key 'vendor' in 'd-vendor-missing'",
                "channels.d/e-vendor-unknown.yaml:2:9: error: invalid value 'acme' for 'vendor'; expected one of: "
                    + "aliyun, tencent",
            ]
        )
    }

    @Test func allErrorsOfAllFilesAreReportedInOrder() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "dedup_window: 30s\nmax_line_bytes: 10\n")
        try fixture.write(
            "channels.d/one.yaml",
            "type: test\nconcurrency: 0\nretry: {attempts: 6, initial_backoff: 2m, max_backoff: 1m}\nsettings: {}\n"
        )
        try fixture.write(
            "channels.d/two.yaml",
            "type: test\nrate_limit: {per_second: 0, burst: 0}\nsettings: {url: u}\n"
        )
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(
            fixture.locations(result) == [
                "channels.d/one.yaml:2:14",
                "channels.d/one.yaml:3:56",
                "channels.d/one.yaml:4:11",
                "channels.d/two.yaml:2:26",
                "channels.d/two.yaml:2:36",
                "gateway.yaml:1:15",
                "gateway.yaml:2:17",
            ]
        )
        #expect(result.issues[1].message == "'max_backoff' (1m) must be at least 'initial_backoff' (2m)")
        #expect(result.issues[2].message == "missing required key 'url' in 'settings'")
        #expect(result.issues[5].message == "'dedup_window' must be between 1m and 366d, found 30s")
    }

    @Test func missingChannelsDirectoryIsAnError() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "log_level: info\nchannels_dir: nowhere\n")
        let result = fixture.load()
        #expect(fixture.lines(result) == ["gateway.yaml:2:15: error: the channels directory nowhere does not exist"])

        let defaulted = try ConfigFixture()
        defer { defaulted.remove() }
        try FileManager.default.removeItem(atPath: defaulted.path("channels.d"))
        #expect(defaulted.locations(defaulted.load()) == ["gateway.yaml:1:1"])
    }

    @Test func fileRulesNamesSizeAndReadability() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/Bad_Name.yaml", validChannel)
        try fixture.write("channels.d/big.yaml", "# " + String(repeating: "x", count: 1 << 20) + "\n")
        try FileManager.default.createDirectory(
            atPath: fixture.path("channels.d/dir.yaml"),
            withIntermediateDirectories: true
        )
        let result = fixture.load()
        let lines = fixture.lines(result)
        #expect(lines.count == 3)
        #expect(lines[0].hasPrefix("channels.d/Bad_Name.yaml:1:1: error: the instance name 'Bad_Name'"))
        #expect(lines[1].hasPrefix("channels.d/big.yaml:1:1: error: channels.d/big.yaml is 1048579 bytes"))
        #expect(lines[1].hasSuffix("more than the limit of 1048576"))
        #expect(lines[2] == "channels.d/dir.yaml:1:1: error: channels.d/dir.yaml is not a regular file")

        let missing = ConfigLoader(kinds: TestKinds.all, environment: [:], credentialsDirectory: nil)
            .load(path: fixture.path("absent/gateway.yaml"))
        #expect(missing.configuration == nil)
        #expect(missing.issues.first?.description.contains("absent/gateway.yaml does not exist") == true)
    }
}
