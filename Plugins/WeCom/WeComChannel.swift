public import ChannelKit

/// Messages over WeCom (企业微信) through one of three profiles, chosen by `vendor:`: `app` (an app message to
/// members, batched up to 1000 per request), `external_contact` (a group-send task to customers) or `robot`
/// (a group robot's webhook).
///
/// `app` and `external_contact` fetch a `gettoken` access token from `corp_id` and `corp_secret` (the core caches
/// it); `robot` needs only its webhook `key`. Settings, addresses and the error-code table are in
/// `Plugins/WeCom/README.md`.
public enum WeComChannel {
    /// The `wecom` kind. Adding a profile is adding a line here, in documentation order.
    public static let kind = ChannelKind(
        name: "wecom", label: "WeComChannel",
        profiles: [
            .init("app") { WeComAppProfile(setup: $0, issues: $1) },
            .init("external_contact") { WeComExternalContactProfile(setup: $0, issues: $1) },
            .init("robot") { WeComRobotProfile(setup: $0, issues: $1) },
        ])
}
