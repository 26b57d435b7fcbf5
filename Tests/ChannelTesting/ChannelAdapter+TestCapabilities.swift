public import ChannelKit

// Tests read an adapter's optional capabilities through `any ChannelAdapter`, as the core does once per instance
// (`AdapterCapabilities`): a missing capability reads as the core treats it (no token, batches of one, no
// callbacks, no pull receipts, no send check, no default template). Tests only; never on a send path.
extension ChannelAdapter {
    /// The token step, or `nil` if the adapter takes no access tokens.
    public func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep? {
        guard let tokens = self as? any AccessTokenProviding else { return nil }
        // Typed, so the capability's own (non-optional) requirement is called, not this function again.
        let step: TokenStep = try tokens.tokenStep(context: context)
        return step
    }

    /// The token in a reply; a failure if the adapter takes no access tokens.
    public func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        guard let tokens = self as? any AccessTokenProviding else {
            return .failed(Reason(.unknown, detail: "this adapter does not read token replies"))
        }
        return tokens.token(from: response, context: context)
    }

    /// The most messages per request (1 without ``Batching``).
    public var maxBatchSize: Int { (self as? any Batching)?.maxBatchSize ?? 1 }

    /// The batch key, `nil` without ``Batching``.
    public func batchKey(for message: OutboundMessage) -> String? {
        (self as? any Batching)?.batchKey(for: message)
    }

    /// The batch request; without ``Batching``, a batch of one is the single request.
    public func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem)
        -> VendorRequest
    {
        if let batching = self as? any Batching { return try batching.request(for: messages, context: context) }
        guard messages.count == 1, let message = messages.first else {
            throw .badRequest("this channel sends one message per request")
        }
        return try request(for: message, context: context)
    }

    /// The batch outcome; without ``Batching``, a batch of one is classified as the single request.
    public func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage])
        -> SendOutcome
    {
        if let batching = self as? any Batching {
            return batching.outcome(of: response, to: request, messages: messages)
        }
        guard messages.count == 1, let message = messages.first else {
            return .retry(Reason(.unknown, detail: "this channel sends one message per request"))
        }
        return outcome(of: response, to: request, message: message)
    }

    /// The report of a callback, `nil` without ``CallbackParsing``.
    public func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        guard let parsing = self as? any CallbackParsing else { return nil }
        return try parsing.parseCallback(callback)
    }

    /// The most targets per poll (0 without ``ReceiptPolling``).
    public var pollBatchSize: Int { (self as? any ReceiptPolling)?.pollBatchSize ?? 0 }

    /// The poll request; an error without ``ReceiptPolling``.
    public func pollRequest(for targets: [PollTarget], context: RequestContext) throws(MessageProblem)
        -> VendorRequest
    {
        guard let polling = self as? any ReceiptPolling else {
            throw .badRequest("this channel offers no pull receipts")
        }
        return try polling.pollRequest(for: targets, context: context)
    }

    /// The receipts in a poll reply; none without ``ReceiptPolling``.
    public func receipts(fromPoll response: VendorResponse, for targets: [PollTarget]) -> [Receipt] {
        (self as? any ReceiptPolling)?.receipts(fromPoll: response, for: targets) ?? []
    }

    /// The send-check request, `nil` without ``SendChecking``.
    public func sendCheckRequest(for message: OutboundMessage, sentAtMilliseconds: Int64, context: RequestContext)
        throws(MessageProblem) -> VendorRequest?
    {
        guard let checking = self as? any SendChecking else { return nil }
        let request: VendorRequest = try checking.sendCheckRequest(
            for: message, sentAtMilliseconds: sentAtMilliseconds, context: context)
        return request
    }

    /// The send check's answer; unknown without ``SendChecking``.
    public func sendCheck(from response: VendorResponse, message: OutboundMessage) -> SendCheck {
        guard let checking = self as? any SendChecking else {
            return .unknown(Reason(.unknown, detail: "this adapter cannot ask whether a send arrived"))
        }
        return checking.sendCheck(from: response, message: message)
    }

    /// Whether the instance has a default template (``DefaultTemplateProviding``).
    public var hasDefaultTemplate: Bool { (self as? any DefaultTemplateProviding)?.hasDefaultTemplate ?? false }
}
