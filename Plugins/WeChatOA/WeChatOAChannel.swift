public import ChannelKit

/// The `wechat_oa` channel (being built: no vendor profiles yet, so every instance is refused at load).
public struct WeChatOAChannel: ChannelAdapter {
    /// The `wechat_oa` kind.
    public static let kind = ChannelKind(name: "wechat_oa", vendors: []) { setup, issues in
        issues.error(setup.mark, "channel type 'wechat_oa' has no vendor profiles yet")
        return nil
    }

    public func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        throw .badRequest("channel type 'wechat_oa' has no vendor profiles yet")
    }

    public func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome
    {
        .reject(Reason(.unknown, detail: "channel type 'wechat_oa' has no vendor profiles yet"))
    }
}
