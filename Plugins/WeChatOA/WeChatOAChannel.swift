public import ChannelKit

/// WeChat Official Account (公众号/服务号) notifications to a follower's open id, through one API chosen by
/// `vendor:`: `template` (template messages, `cgi-bin/message/template/send`) or `subscribe` (subscription
/// notifications, `cgi-bin/message/subscribe/bizsend`).
///
/// Both take the account's `access_token`, fetched by the core through `cgi-bin/stable_token`; `template` names
/// the template, `params` fill its fields and `url` is the page opened on tap. Vendor reference:
/// `/work/shared/docs/vendors.md` section 4; every setting and error code is listed in `Plugins/WeChatOA/README.md`.
public enum WeChatOAChannel {
    /// The `wechat_oa` kind: one profile per send API of the same account, in documentation order.
    public static let kind = ChannelKind(
        name: "wechat_oa", label: "WeChatOAChannel",
        profiles: [
            .init("template") { WeChatOAProfile(api: .template, setup: $0, issues: $1) },
            .init("subscribe") { WeChatOAProfile(api: .subscribe, setup: $0, issues: $1) },
        ])
}
