import ChannelHTTPTemplate
public import ChannelKit

/// Sends text messages through one SMS vendor, chosen by `vendor:` in the channel file.
///
/// The channel only picks a vendor profile (a ``VendorChannel`` over it is the instance); each profile reads its
/// own `settings:` and speaks its vendor's HTTP dialect.
public enum SMSChannel {
    /// The `sms` kind. Adding a vendor is adding a line here, in documentation order.
    public static let kind = ChannelKind(
        name: "sms", label: "SMSChannel",
        profiles: [
            .init("http") { HTTPVendorProfile(setup: $0, issues: $1) },
            .init("aliyun") { AliyunSMSProfile(setup: $0, issues: $1) },
            .init("tencent") { TencentSMSProfile(setup: $0, issues: $1) },
        ])
}
