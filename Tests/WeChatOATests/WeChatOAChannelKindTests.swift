import ChannelKit
import ChannelWeChatOA
import Testing

struct WeChatOAChannelKindTests {
    @Test func kindIsNamed() {
        #expect(WeChatOAChannel.kind.name == "wechat_oa")
    }
}
