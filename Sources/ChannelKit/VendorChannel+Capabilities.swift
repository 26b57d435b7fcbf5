// The channel has a capability exactly when its profile has it. Each conformance forwards every requirement;
// capability protocols have no defaults, so one missed here fails to compile.

extension VendorChannel: AccessTokenProviding where Profile: AccessTokenProviding {
    public func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep {
        try profile.tokenStep(context: context)
    }

    public func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        profile.token(from: response, context: context)
    }
}

extension VendorChannel: Batching where Profile: Batching {
    public var maxBatchSize: Int { profile.maxBatchSize }

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

extension VendorChannel: ReceiptPolling where Profile: ReceiptPolling {
    public var pollBatchSize: Int { profile.pollBatchSize }

    public func pollRequest(for targets: [PollTarget], context: RequestContext) throws(MessageProblem)
        -> VendorRequest
    {
        try profile.pollRequest(for: targets, context: context)
    }

    public func receipts(fromPoll response: VendorResponse, for targets: [PollTarget]) -> [Receipt] {
        profile.receipts(fromPoll: response, for: targets)
    }
}

extension VendorChannel: SendChecking where Profile: SendChecking {
    public func sendCheckRequest(for message: OutboundMessage, sentAtMilliseconds: Int64, context: RequestContext)
        throws(MessageProblem) -> VendorRequest
    {
        try profile.sendCheckRequest(for: message, sentAtMilliseconds: sentAtMilliseconds, context: context)
    }

    public func sendCheck(from response: VendorResponse, message: OutboundMessage) -> SendCheck {
        profile.sendCheck(from: response, message: message)
    }
}

extension VendorChannel: CallbackParsing where Profile: CallbackParsing {
    public func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        try profile.parseCallback(callback)
    }
}

extension VendorChannel: CallbackVerifying where Profile: CallbackVerifying {
    public var callbackVerifier: (any CallbackVerifier)? { profile.callbackVerifier }
}

extension VendorChannel: DefaultTemplateProviding where Profile: DefaultTemplateProviding {
    public var hasDefaultTemplate: Bool { profile.hasDefaultTemplate }
}
