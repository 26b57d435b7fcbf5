/// Capability: the vendor can be asked whether it took a single-message send whose reply was lost (Alibaba
/// `QuerySendDetails` by number, day and `OutId`).
///
/// The core asks before resending such a message, when the instance has `poll_receipts:` (the operator allows
/// queries): found means sent and never resent, not found means resent, and unknown falls back to `on_ambiguous`.
public protocol SendChecking: ChannelAdapter {
    /// The query asking the vendor whether it took `message`, whose send started at `sentAtMilliseconds`.
    /// - Throws: ``MessageProblem`` when the query cannot be built (the core treats the answer as unknown).
    func sendCheckRequest(for message: OutboundMessage, sentAtMilliseconds: Int64, context: RequestContext)
        throws(MessageProblem) -> VendorRequest

    /// Reads the reply to ``sendCheckRequest(for:sentAtMilliseconds:context:)``.
    func sendCheck(from response: VendorResponse, message: OutboundMessage) -> SendCheck
}
