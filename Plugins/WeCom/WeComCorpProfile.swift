import ChannelKit
import ChannelWeChatCrypto

/// What WeCom's `app` and `external_contact` profiles share: the corp access token (`gettoken`) and verified,
/// decrypted callbacks, and reading replies for one message or a batch alike. Each profile keeps only its own
/// request and reply rules.
protocol WeComCorpProfile: AccessTokenProviding, Batching, CallbackParsing, CallbackVerifying {
    var endpoint: String { get }
    var corpID: String { get }
    var corpSecret: Secret { get }
    /// How the app's callbacks are verified (`callback_token`, `callback_aes_key`); `nil` takes none.
    var callbackSecurity: WeChatCallbackSecurity? { get }

    /// A reply to a request for `messages`: a failure of the whole request as one outcome, or `.partial`.
    func outcome(of response: VendorResponse, messages: [OutboundMessage]) -> SendOutcome
}

extension WeComCorpProfile {
    var callbackVerifier: (any CallbackVerifier)? { callbackSecurity }

    /// Verified, decrypted callbacks: answered as WeCom expects, no receipts (see
    /// ``WeComAPI/parseCallback(_:security:)``).
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        try WeComAPI.parseCallback(callback, security: callbackSecurity)
    }

    func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep {
        .fetch(WeComAPI.tokenRequest(endpoint: endpoint, corpID: corpID, corpSecret: corpSecret))
    }

    func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        WeComAPI.token(from: response, context: context)
    }

    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        switch outcome(of: response, messages: [message]) {
        case .partial(let outcomes): outcomes.first?.outcome ?? .retry(Reason(.unknown))
        case let whole: whole
        }
    }

    func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage])
        -> SendOutcome
    {
        outcome(of: response, messages: messages)
    }
}
