public import ChannelKit

/// Sends text messages through one SMS vendor, chosen by `vendor:` in the channel file.
///
/// The channel itself only picks and forwards to a vendor profile (``VendorProfileChannel``); each profile reads
/// its own `settings:` and speaks its vendor's HTTP dialect.
public struct SMSChannel: VendorProfileChannel, CustomStringConvertible {
    /// The `sms` kind, with one vendor profile per entry of ``SMSChannel/profiles``.
    public static let kind = ChannelKind(name: "sms", vendors: profiles.map(\.name)) { setup, issues in
        guard let profile = VendorProfileSelection.make("sms", profiles: profiles, setup: setup, issues: issues)
        else { return nil }
        return SMSChannel(instance: setup.instance, vendor: setup.vendor ?? "", profile: profile)
    }

    /// The profiles `vendor:` may name, in documentation order. Adding a vendor is adding a line here.
    static let profiles: [(name: String, make: VendorProfileSelection.Factory)] = [
        ("http", { HTTPVendorProfile(setup: $0, issues: $1) }),
        ("aliyun", { AliyunSMSProfile(setup: $0, issues: $1) }),
        ("tencent", { TencentSMSProfile(setup: $0, issues: $1) }),
    ]

    /// The instance name.
    public let instance: String
    /// The `vendor:` value.
    public let vendor: String
    public let profile: any ChannelAdapter

    // Settings never print: some of them are secrets, and this is what a log line would show.
    public var description: String { "SMSChannel(instance: \(instance), vendor: \(vendor))" }
}
