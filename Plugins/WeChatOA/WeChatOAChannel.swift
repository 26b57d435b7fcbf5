public import ChannelKit

/// WeChat Official Account (公众号/服务号) notifications to a follower's open id, through one API chosen by
/// `vendor:`: `template` (template messages, `cgi-bin/message/template/send`) or `subscribe` (subscription
/// notifications, `cgi-bin/message/subscribe/bizsend`).
///
/// Both take the account's `access_token`, fetched by the core through `cgi-bin/stable_token`; `template` names
/// the template, `params` fill its fields and `url` is the page opened on tap. Vendor reference:
/// `/work/shared/docs/vendors.md` section 4; every setting and error code is listed in `Plugins/WeChatOA/README.md`.
public struct WeChatOAChannel: VendorProfileChannel, CustomStringConvertible {
    /// The `wechat_oa` kind.
    public static let kind = ChannelKind(name: "wechat_oa", vendors: profiles.map(\.name)) { setup, issues in
        guard let profile = VendorProfileSelection.make("wechat_oa", profiles: profiles, setup: setup, issues: issues)
        else { return nil }
        return WeChatOAChannel(instance: setup.instance, vendor: setup.vendor ?? "", profile: profile)
    }

    /// The profiles `vendor:` may name, in documentation order: one per send API of the same account.
    static let profiles: [(name: String, make: VendorProfileSelection.Factory)] = [
        ("template", { WeChatOAProfile(api: .template, setup: $0, issues: $1) }),
        ("subscribe", { WeChatOAProfile(api: .subscribe, setup: $0, issues: $1) }),
    ]

    /// The instance name.
    public let instance: String
    /// The `vendor:` value.
    public let vendor: String
    public let profile: any ChannelAdapter

    // Settings never print: the app secret is one of them.
    public var description: String { "WeChatOAChannel(instance: \(instance), vendor: \(vendor))" }
}
