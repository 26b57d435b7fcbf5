import ChannelAppPush
import ChannelKit
import Testing

struct AppPushChannelKindTests {
    @Test func kindIsNamed() {
        #expect(AppPushChannel.kind.name == "app_push")
    }
}
