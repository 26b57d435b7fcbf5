public import ChannelKit

/// The `wecom` channel (being built: no vendor profiles yet, so every instance is refused at load).
public struct WeComChannel: ChannelAdapter {
    /// The `wecom` kind.
    public static let kind = ChannelKind(name: "wecom", vendors: []) { setup, issues in
        issues.error(setup.mark, "channel type 'wecom' has no vendor profiles yet")
        return nil
    }

    public func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        throw .badRequest("channel type 'wecom' has no vendor profiles yet")
    }

    public func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome
    {
        .reject(Reason(.unknown, detail: "channel type 'wecom' has no vendor profiles yet"))
    }
}
