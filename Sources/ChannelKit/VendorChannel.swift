/// A channel instance whose `vendor:` picked one vendor profile: the profile does the work, this value names the
/// instance.
///
/// Generic over the profile, so the channel has exactly the profile's capabilities: each capability protocol is
/// a conditional conformance (`VendorChannel+Capabilities.swift`) that the compiler makes complete, and nothing a
/// profile overrides can be dropped by a forwarding wrapper. Kinds with vendors build it through
/// ``ChannelKind/init(name:label:profiles:)``.
public struct VendorChannel<Profile: ChannelAdapter>: ChannelAdapter, CustomStringConvertible {
    /// What the instance is called in logs: the channel's type name (`SMSChannel`).
    public let label: String
    /// The instance name.
    public let instance: String
    /// The `vendor:` value.
    public let vendor: String
    /// The profile `vendor:` chose, built from the instance's settings.
    public let profile: Profile

    /// - Parameters:
    ///   - label: the channel's type name, for `description`.
    ///   - instance: the instance name.
    ///   - vendor: the `vendor:` value.
    ///   - profile: the built profile.
    public init(label: String, instance: String, vendor: String, profile: Profile) {
        self.label = label
        self.instance = instance
        self.vendor = vendor
        self.profile = profile
    }

    public func check(_ message: OutboundMessage) -> MessageProblem? { profile.check(message) }

    public func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        try profile.request(for: message, context: context)
    }

    public func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome
    {
        profile.outcome(of: response, to: request, message: message)
    }

    // Settings never print: some of them are secrets, and this is what a log line shows.
    public var description: String { "\(label)(instance: \(instance), vendor: \(vendor))" }
}
