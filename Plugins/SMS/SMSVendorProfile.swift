import ChannelKit

/// One SMS vendor's dialect: the same duties as ``ChannelAdapter``, for one `vendor:` value.
///
/// Profiles are internal: ``SMSChannel`` is the only public face, and ``SMSChannel/profiles`` lists them.
/// A profile is built from the instance's `settings:` and must follow every ``ChannelAdapter`` requirement
/// (pure, deterministic, no secrets in reasons or descriptions, every reply classified).
protocol SMSVendorProfile: Sendable {
    /// See ``ChannelAdapter/check(_:)``.
    func check(_ message: OutboundMessage) -> MessageProblem?
    /// See ``ChannelAdapter/request(for:context:)``.
    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest
    /// See ``ChannelAdapter/outcome(of:to:message:)``.
    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome
    /// See ``ChannelAdapter/parseCallback(_:)``.
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport?
}

extension SMSVendorProfile {
    /// No callbacks unless the profile parses them.
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? { nil }
}
