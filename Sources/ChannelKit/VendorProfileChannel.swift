/// A channel whose `vendor:` picks one vendor profile, itself a ``ChannelAdapter``, to which every duty is
/// forwarded. Channels with several vendors (app push: `apns`, `fcm`, `jpush`, `huawei`) conform and list
/// their profiles; each profile is an internal type in its own file.
public protocol VendorProfileChannel: ChannelAdapter {
    /// The profile chosen by `vendor:`.
    var profile: any ChannelAdapter { get }
}

extension VendorProfileChannel {
    public func check(_ message: OutboundMessage) -> MessageProblem? { profile.check(message) }

    public func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        try profile.request(for: message, context: context)
    }

    public func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome
    {
        profile.outcome(of: response, to: request, message: message)
    }

    public func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        try profile.parseCallback(callback)
    }

    public func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep? {
        try profile.tokenStep(context: context)
    }

    public func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        profile.token(from: response, context: context)
    }

    public var maxBatchSize: Int { profile.maxBatchSize }

    public var pollBatchSize: Int { profile.pollBatchSize }

    public var hasDefaultTemplate: Bool { profile.hasDefaultTemplate }

    public func pollRequest(for targets: [PollTarget], context: RequestContext) throws(MessageProblem)
        -> VendorRequest
    {
        try profile.pollRequest(for: targets, context: context)
    }

    public func receipts(fromPoll response: VendorResponse, for targets: [PollTarget]) -> [Receipt] {
        profile.receipts(fromPoll: response, for: targets)
    }

    public func sendCheckRequest(for message: OutboundMessage, sentAtMilliseconds: Int64, context: RequestContext)
        throws(MessageProblem) -> VendorRequest?
    {
        try profile.sendCheckRequest(for: message, sentAtMilliseconds: sentAtMilliseconds, context: context)
    }

    public func sendCheck(from response: VendorResponse, message: OutboundMessage) -> SendCheck {
        profile.sendCheck(from: response, message: message)
    }

    public var callbackSecurity: CallbackSecurity? { profile.callbackSecurity }

    public func batchKey(for message: OutboundMessage) -> String? { profile.batchKey(for: message) }

    public func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem)
        -> VendorRequest
    {
        try profile.request(for: messages, context: context)
    }

    public func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage])
        -> SendOutcome
    {
        profile.outcome(of: response, to: request, messages: messages)
    }
}

/// Picks a profile by `vendor:` from a channel's list, reporting a missing or unknown vendor.
public enum VendorProfileSelection {
    /// A profile factory: builds from the instance's setup, reporting problems; `nil` if there were any.
    public typealias Factory = @Sendable (ChannelKind.Setup, ConfigIssueCollector) -> (any ChannelAdapter)?

    /// The profile `setup.vendor` names, built; `nil` (with an issue) if none or it failed.
    public static func make(
        _ kind: String, profiles: [(name: String, make: Factory)], setup: ChannelKind.Setup,
        issues: ConfigIssueCollector
    ) -> (any ChannelAdapter)? {
        let names = profiles.map(\.name)
        guard let vendor = setup.vendor, let entry = profiles.first(where: { $0.name == vendor }) else {
            issues.error(
                setup.mark, "channel type '\(kind)' needs 'vendor' set to one of: \(names.joined(separator: ", "))")
            return nil
        }
        return entry.make(setup, issues)
    }
}
