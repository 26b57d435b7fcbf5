import ChannelCallQueue
import ChannelKit
import Testing

struct CallQueueChannelKindTests {
    @Test func kindIsNamed() {
        #expect(CallQueueChannel.kind.name == "call_queue")
    }
}
