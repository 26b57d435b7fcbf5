public import ChannelKit

/// App push notifications through one vendor, chosen by `vendor:`: `apns` (Apple, HTTP/2 with an ES256 provider
/// token), `fcm` (Firebase HTTP v1 with a service-account OAuth token), `jpush` (JPush v3) or `huawei` (HMS Push
/// Kit with an OAuth client-credentials token).
///
/// The device token or registration id is the address; `title`, `content` (the body) and `url` (the deep link)
/// come from the message, and `params.badge` sets the badge where the vendor has one.
public enum AppPushChannel {
    /// The `app_push` kind. Adding a vendor is adding a line here, in documentation order.
    public static let kind = ChannelKind(
        name: "app_push", label: "AppPushChannel",
        profiles: [
            .init("apns") { APNsProfile(setup: $0, issues: $1) },
            .init("fcm") { FCMProfile(setup: $0, issues: $1) },
            .init("jpush") { JPushProfile(setup: $0, issues: $1) },
            .init("huawei") { HuaweiPushProfile(setup: $0, issues: $1) },
        ])
}
