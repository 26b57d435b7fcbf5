import ChannelKit
import GatewayConfig
import Testing

/// Every file of `channels.d` that is not loaded is a warning, so a channel never just disappears.
struct ChannelsDirectoryTests {
    private let channel = "type: test\nsettings: {url: http://vendor.example}\n"

    @Test func everyFileThatIsNotLoadedIsAWarningAtThatFile() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/sms.yaml", channel)
        try fixture.write("channels.d/push.yml", channel)
        try fixture.write("channels.d/notes.txt", "hello")
        try fixture.write("channels.d/sms.yaml.dpkg-old", channel)
        let result = fixture.load()
        #expect(result.configuration?.channels.map(\.name) == ["sms"])
        #expect(
            fixture.lines(result) == [
                "channels.d/notes.txt:1:1: warning: not loaded: channel instances are NAME.yaml files (a name "
                    + "ending in .sample keeps a file here without this warning)",
                "channels.d/push.yml:1:1: warning: not loaded: channel instances are NAME.yaml files; rename it to "
                    + "push.yaml",
                "channels.d/sms.yaml.dpkg-old:1:1: warning: not loaded: channel instances are NAME.yaml files (a "
                    + "name ending in .sample keeps a file here without this warning)",
            ])
    }

    @Test func samplesAreLeftAloneSilently() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("channels.d/loopback.yaml.sample", "type: loopback\n")
        try fixture.write("channels.d/sms.yaml", channel)
        let result = fixture.load()
        #expect(result.issues.isEmpty)
        #expect(result.configuration?.channels.map(\.name) == ["sms"])
    }

    @Test func underStrictANotLoadedFileStopsTheLoad() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "strict: true\n")
        try fixture.write("channels.d/sms.yml", channel)
        let result = fixture.load()
        #expect(result.configuration == nil)
        #expect(result.errors.count == 1)
    }

    @Test func dedupWindowBelowOneMinuteIsRefused() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        try fixture.write("gateway.yaml", "dedup_window: 30s\n")
        #expect(fixture.load().configuration == nil)
        try fixture.write("gateway.yaml", "dedup_window: 1m\n")
        #expect(fixture.load().configuration?.dedupWindow == .seconds(60))
    }
}
