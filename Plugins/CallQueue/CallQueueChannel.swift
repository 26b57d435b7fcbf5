public import ChannelKit
import ChannelSMS

/// Outbound calls through one vendor, chosen by `vendor:`: `aliyun_vms` (Alibaba Cloud Voice Messaging Service,
/// a text-to-speech notification call by approved template) or `http` (a call-centre task API described in
/// YAML, with the keys of the SMS `http` profile).
///
/// The address is a phone number. Per-instance limits on concurrent calls and call windows are core settings,
/// not adapter ones (see `Plugins/CallQueue/README.md`).
public struct CallQueueChannel: VendorProfileChannel, CustomStringConvertible {
    /// The `call_queue` kind.
    public static let kind = ChannelKind(name: "call_queue", vendors: profiles.map(\.name)) { setup, issues in
        guard
            let profile = VendorProfileSelection.make("call_queue", profiles: profiles, setup: setup, issues: issues)
        else { return nil }
        return CallQueueChannel(instance: setup.instance, vendor: setup.vendor ?? "", profile: profile)
    }

    /// The profiles `vendor:` may name, in documentation order. Adding a vendor is adding a line here.
    static let profiles: [(name: String, make: VendorProfileSelection.Factory)] = [
        ("aliyun_vms", { AliyunVMSProfile(setup: $0, issues: $1) }),
        ("http", { makeHTTPProfile(setup: $0, issues: $1) }),
    ]

    /// The SMS-only keys of the SMS `http` profile, refused here: a call carries no 【signature】 nor opt-out
    /// text, and customer replies (`mo:`) are SMS. Refusing them keeps a copied SMS file from misbehaving.
    static let smsOnlyKeys: Set<String> = ["sign_name", "unsubscribe_suffix", "suffix_templates", "mo"]

    /// The `http` vendor: the SMS `http` profile (its settings, placeholders and reply rules), minus the SMS-only
    /// keys.
    static func makeHTTPProfile(setup: ChannelKind.Setup, issues: ConfigIssueCollector) -> (any ChannelAdapter)? {
        var refused = false
        if case .mapping(let entries, _)? = setup.settings {
            for entry in entries where smsOnlyKeys.contains(entry.key.text) {
                issues.error(
                    entry.key.mark,
                    "'\(entry.key.text)' is an SMS setting; the call_queue http vendor takes the other keys of the "
                        + "SMS http profile"
                )
                refused = true
            }
        }
        let profile = HTTPVendorProfile(setup: setup, issues: issues)
        return refused ? nil : profile
    }

    /// The instance name.
    public let instance: String
    /// The `vendor:` value.
    public let vendor: String
    public let profile: any ChannelAdapter

    // Settings never print: some of them are secrets.
    public var description: String { "CallQueueChannel(instance: \(instance), vendor: \(vendor))" }
}
