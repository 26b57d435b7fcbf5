import ChannelKit

/// What WeCom's `app` and `external_contact` profiles share: the corp access token (`gettoken`) and verified,
/// decrypted callbacks. Each profile keeps only its own request and reply rules.
protocol WeComCorpProfile: ChannelAdapter {
    var endpoint: String { get }
    var corpID: String { get }
    var corpSecret: Secret { get }
}

extension WeComCorpProfile {
    /// Verified, decrypted callbacks: answered as WeCom expects, no receipts (see
    /// ``WeComAPI/parseCallback(_:security:)``).
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        try WeComAPI.parseCallback(callback, security: callbackSecurity)
    }

    func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep? {
        .fetch(WeComAPI.tokenRequest(endpoint: endpoint, corpID: corpID, corpSecret: corpSecret))
    }

    func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        WeComAPI.token(from: response, context: context)
    }
}
