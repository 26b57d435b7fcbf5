public import ChannelKit

/// Messages over WeCom (企业微信) through one of three profiles, chosen by `vendor:`: `app` (an app message to
/// members, batched up to 1000 per request), `external_contact` (a group-send task to customers) or `robot`
/// (a group robot's webhook).
///
/// `app` and `external_contact` fetch a `gettoken` access token from `corp_id` and `corp_secret` (the core caches
/// it); `robot` needs only its webhook `key`. Settings, addresses and the error-code table are in
/// `Plugins/WeCom/README.md`.
public struct WeComChannel: VendorProfileChannel, CustomStringConvertible {
    /// The `wecom` kind.
    public static let kind = ChannelKind(name: "wecom", vendors: profiles.map(\.name)) { setup, issues in
        guard let profile = VendorProfileSelection.make("wecom", profiles: profiles, setup: setup, issues: issues)
        else { return nil }
        return WeComChannel(instance: setup.instance, vendor: setup.vendor ?? "", profile: profile)
    }

    /// The profiles `vendor:` may name, in documentation order. Adding a profile is adding a line here.
    static let profiles: [(name: String, make: VendorProfileSelection.Factory)] = [
        ("app", { WeComAppProfile(setup: $0, issues: $1) }),
        ("external_contact", { WeComExternalContactProfile(setup: $0, issues: $1) }),
        ("robot", { WeComRobotProfile(setup: $0, issues: $1) }),
    ]

    /// The instance name.
    public let instance: String
    /// The `vendor:` value.
    public let vendor: String
    public let profile: any ChannelAdapter

    // Settings never print: the corp secret and robot key are secrets.
    public var description: String { "WeComChannel(instance: \(instance), vendor: \(vendor))" }
}
