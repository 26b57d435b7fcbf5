public import ChannelKit

/// The `call_queue` channel (being built: no vendor profiles yet, so every instance is refused at load).
public struct CallQueueChannel: ChannelAdapter {
    /// The `call_queue` kind.
    public static let kind = ChannelKind(name: "call_queue", vendors: []) { setup, issues in
        issues.error(setup.mark, "channel type 'call_queue' has no vendor profiles yet")
        return nil
    }

    public func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        throw .badRequest("channel type 'call_queue' has no vendor profiles yet")
    }

    public func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome
    {
        .reject(Reason(.unknown, detail: "channel type 'call_queue' has no vendor profiles yet"))
    }
}
