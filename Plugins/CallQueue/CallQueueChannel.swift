import ChannelHTTPTemplate
public import ChannelKit

/// Outbound calls through one vendor, chosen by `vendor:`: `aliyun_vms` (Alibaba Cloud Voice Messaging Service,
/// a text-to-speech notification call by approved template) or `http` (a call-centre task API described in
/// YAML, with the keys of the SMS `http` profile).
///
/// The address is a phone number. Per-instance limits on concurrent calls and call windows are core settings,
/// not adapter ones (see `Plugins/CallQueue/README.md`).
public enum CallQueueChannel {
    /// The `call_queue` kind. Adding a vendor is adding a line here, in documentation order.
    public static let kind = ChannelKind(
        name: "call_queue", label: "CallQueueChannel",
        profiles: [
            .init("aliyun_vms") { AliyunVMSProfile(setup: $0, issues: $1) },
            .init("http") { makeHTTPProfile(setup: $0, issues: $1) },
        ])

    /// The SMS-only keys of the SMS `http` profile, refused here: a call carries no 【signature】 nor opt-out
    /// text, and customer replies (`mo:`) are SMS. Refusing them keeps a copied SMS file from misbehaving.
    static let smsOnlyKeys: Set<String> = ["sign_name", "unsubscribe_suffix", "suffix_templates", "mo"]

    /// The `http` vendor: the SMS `http` profile (its settings, placeholders and reply rules), minus the SMS-only
    /// keys.
    static func makeHTTPProfile(setup: ChannelKind.Setup, issues: ConfigIssueCollector) -> HTTPVendorProfile? {
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
}
