import ChannelAppPush
import ChannelCallQueue
public import ChannelKit
import ChannelLoopback
import ChannelSMS
import ChannelWeChatOA
import ChannelWeCom

/// Every channel kind compiled into the daemon: YAML `type:` selects from this list and nothing else.
/// Adding a channel is one line here, one target in Package.swift and one folder under Plugins/.
public enum BuiltinChannels {
    /// Every kind, in documentation order.
    public static let kinds: [ChannelKind] = [
        LoopbackChannel.kind,
        SMSChannel.kind,
        AppPushChannel.kind,
        WeComChannel.kind,
        WeChatOAChannel.kind,
        CallQueueChannel.kind,
    ]
}
