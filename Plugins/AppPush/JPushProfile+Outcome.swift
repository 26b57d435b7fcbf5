import ChannelKit

extension JPushProfile {
    /// JPush's documented error codes (`error.code` in the reply body), each with its class.
    /// Sources: vendors.md §5.1.3 (1002–1011 from JPush's v3 docs and the JPush server SDK's ErrorCodeEnum as
    /// quoted in https://blog.csdn.net/A632189007/article/details/75213177; 2002/2003 marked not verified there).
    static let codeTable: VendorCodeTable = [
        // Missing required parameter: our request or settings are wrong; alert operators.
        "1002": .reject(.unknown),
        // Invalid parameter value.
        "1003": .reject(.unknown),
        // Authentication failed: app_key/master_secret wrong. No token to refresh, so not retried.
        "1004": .reject(.authExpired),
        // Message body too large.
        "1005": .reject(.contentRejected),
        // Invalid appKey.
        "1008": .reject(.authExpired),
        // No push target: no registration id in the audience resolves (uninstalled, inactive over 255 days).
        "1011": .reject(.invalidRecipient),
        // Call frequency over the app's limit.
        "2002": .retry(.throttled),
        // The appKey is restricted from calling the API.
        "2003": .reject(.authExpired),
    ]

    /// Classifies a reply to a single-message push.
    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        classify(response)
    }

    /// Classifies a reply to a batch: JPush answers once for the whole audience, so every recipient gets the
    /// same outcome and, on success, the same `msg_id` (see the type's documentation).
    func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage])
        -> SendOutcome
    {
        PushSettings.same(classify(response), for: messages)
    }

    /// One push's outcome: the error code first (JPush puts one in most non-200 replies), then the HTTP status.
    func classify(_ response: VendorResponse) -> SendOutcome {
        let status = response.status
        let reply = try? JSONParser.parse(response.body)
        let code = reply?["error"]?["code"]?.scalarText
        let detail = PushSettings.detail(reply?["error"]?["message"]?.scalarText)
        if let code, let entry = Self.codeTable[code] {
            let reason = Reason(entry.category, vendorCode: code, detail: detail)
            return entry.retries ? .retry(reason, after: response.retryAfter) : .reject(reason)
        }
        let vendorCode = code ?? "HTTP \(status)"
        switch status {
        case 200..<300:
            guard code == nil, let id = reply?["msg_id"]?.scalarText, !id.isEmpty else {
                // "200 is always success" per JPush, but without a msg_id nothing proves the push was taken.
                return .retry(Reason(.unknown, vendorCode: code, detail: detail ?? "no msg_id in the reply"))
            }
            return .accepted(vendorMessageID: id)
        case 429:
            return .retry(Reason(.throttled, vendorCode: vendorCode, detail: detail), after: response.retryAfter)
        case 500..<600:
            return .retry(
                Reason(.vendorUnavailable, vendorCode: vendorCode, detail: detail), after: response.retryAfter)
        case 401:
            return .reject(Reason(.authExpired, vendorCode: vendorCode, detail: detail))
        default:
            return .reject(Reason(.unknown, vendorCode: vendorCode, detail: detail))
        }
    }
}
