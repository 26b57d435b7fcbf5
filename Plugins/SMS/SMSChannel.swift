public import ChannelKit

/// Sends text messages through one SMS vendor, chosen by `vendor:` in the channel file.
///
/// The channel itself only picks and forwards to a vendor profile; each profile (today the generic `http`
/// one, later `aliyun` and `tencent`) reads its own `settings:` and speaks its vendor's HTTP dialect.
public struct SMSChannel: ChannelAdapter, CustomStringConvertible {
    /// The `sms` kind, with one vendor profile per entry of ``SMSChannel/profiles``.
    public static let kind = ChannelKind(name: "sms", vendors: profiles.map(\.name)) { setup, issues in
        SMSChannel(setup: setup, issues: issues)
    }

    /// Builds a profile from an instance's setup, reporting problems; `nil` if there were any.
    typealias ProfileFactory = @Sendable (ChannelKind.Setup, ConfigIssueCollector) -> (any SMSVendorProfile)?

    /// The profiles `vendor:` may name, in documentation order. Adding a vendor is adding a line here.
    static let profiles: [(name: String, make: ProfileFactory)] = [
        ("http", { setup, issues in HTTPVendorProfile(setup: setup, issues: issues) })
    ]

    /// The instance name.
    public let instance: String
    /// The `vendor:` value.
    public let vendor: String
    let profile: any SMSVendorProfile

    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let names = Self.profiles.map(\.name)
        guard let vendor = setup.vendor, let entry = Self.profiles.first(where: { $0.name == vendor }) else {
            issues.error(
                setup.mark,
                "channel type 'sms' needs 'vendor' set to one of: \(names.joined(separator: ", "))"
            )
            return nil
        }
        guard let profile = entry.make(setup, issues) else { return nil }
        self.instance = setup.instance
        self.vendor = vendor
        self.profile = profile
    }

    // Settings never print: some of them are secrets, and this is what a log line would show.
    public var description: String { "SMSChannel(instance: \(instance), vendor: \(vendor))" }

    public func check(_ message: OutboundMessage) -> MessageProblem? {
        profile.check(message)
    }

    public func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        try profile.request(for: message, context: context)
    }

    public func outcome(
        of response: VendorResponse,
        to request: VendorRequest,
        message: OutboundMessage
    ) -> SendOutcome {
        profile.outcome(of: response, to: request, message: message)
    }

    public func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        try profile.parseCallback(callback)
    }
}
