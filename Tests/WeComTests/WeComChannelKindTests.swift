import ChannelKit
import ChannelWeCom
import Testing

struct WeComChannelKindTests {
    @Test func kindIsNamed() {
        #expect(WeComChannel.kind.name == "wecom")
    }
}
