public import ChannelKit

/// App push notifications through one vendor, chosen by `vendor:`: `apns` (Apple, HTTP/2 with an ES256 provider
/// token), `fcm` (Firebase HTTP v1 with a service-account OAuth token), `jpush` (JPush v3) or `huawei` (HMS Push
/// Kit with an OAuth client-credentials token).
///
/// The device token or registration id is the address; `title`, `content` (the body) and `url` (the deep link)
/// come from the message, and `params.badge` sets the badge where the vendor has one.
public struct AppPushChannel: VendorProfileChannel, CustomStringConvertible {
    /// The `app_push` kind.
    public static let kind = ChannelKind(name: "app_push", vendors: profiles.map(\.name)) { setup, issues in
        guard let profile = VendorProfileSelection.make("app_push", profiles: profiles, setup: setup, issues: issues)
        else { return nil }
        return AppPushChannel(instance: setup.instance, vendor: setup.vendor ?? "", profile: profile)
    }

    /// The profiles `vendor:` may name, in documentation order. Adding a vendor is adding a line here.
    static let profiles: [(name: String, make: VendorProfileSelection.Factory)] = [
        ("apns", { APNsProfile(setup: $0, issues: $1) }),
        ("fcm", { FCMProfile(setup: $0, issues: $1) }),
        ("jpush", { JPushProfile(setup: $0, issues: $1) }),
        ("huawei", { HuaweiPushProfile(setup: $0, issues: $1) }),
    ]

    /// The instance name.
    public let instance: String
    /// The `vendor:` value.
    public let vendor: String
    public let profile: any ChannelAdapter

    // Settings never print: some of them are secrets.
    public var description: String { "AppPushChannel(instance: \(instance), vendor: \(vendor))" }
}
