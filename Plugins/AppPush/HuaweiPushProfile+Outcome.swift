import ChannelKit

extension HuaweiPushProfile {
    /// Push Kit's reply codes (`code`, a string, in every reply body) other than success and partial success.
    /// Sources: vendors.md §5.2, citing Huawei's own blog (https://blog.csdn.net/HUAWEI_HMSCore/article/details/125866284;
    /// also https://segmentfault.com/a/1190000042188975/en) for 80200001, 80200003, 80300007, 80300010 and
    /// 80100016. Push Kit's official reference table was not retrieved (vendors.md §9 item 7).
    static let codeTable: VendorCodeTable = [
        // OAuth authentication error: the bearer token is missing, invalid or issued for another app. Retried
        // once with a fresh token by the core.
        "80200001": .retry(.authExpired),
        // OAuth token expired.
        "80200003": .retry(.authExpired),
        // All tokens are invalid (or belong to another app).
        "80300007": .reject(.invalidRecipient),
        // Too many or no tokens in the message body: our request is wrong.
        "80300010": .reject(.unknown),
        // The message contains sensitive content.
        "80100016": .reject(.contentRejected),
    ]

    /// Success.
    static let successCode = "80000000"
    /// Partial success: `msg` holds `{"success":N,"failure":N,"illegal_tokens":[…]}` as a JSON string.
    static let partialCode = "80100000"

    /// Classifies a reply to a single-message send.
    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        let outcome = outcome(of: response, to: request, messages: [message])
        if case .partial(let outcomes) = outcome, let first = outcomes.first { return first.outcome }
        return outcome
    }

    /// Classifies a reply to a batch: one outcome per token, from the illegal-token list on partial success.
    func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage])
        -> SendOutcome
    {
        let status = response.status
        let reply = try? JSONParser.parse(response.body)
        let code = reply?["code"]?.scalarText
        let detail = PushSettings.detail(reply?["msg"]?.scalarText)
        let requestID = reply?["requestId"]?.scalarText
        if let code {
            if code == Self.successCode, (200..<300).contains(status) {
                return PushSettings.same(.accepted(vendorMessageID: requestID), for: messages)
            }
            if code == Self.partialCode {
                return partial(reply?["msg"]?.stringValue, requestID: requestID, messages: messages)
            }
            if let entry = Self.codeTable[code] {
                let reason = Reason(entry.category, vendorCode: code, detail: detail)
                return PushSettings.same(entry.retries ? .retry(reason) : .reject(reason), for: messages)
            }
        }
        let vendorCode = code ?? "HTTP \(status)"
        let outcome: SendOutcome
        switch status {
        case 503:
            // Push Kit's flow control (vendors.md §5.2): back off.
            outcome = .retry(Reason(.throttled, vendorCode: vendorCode, detail: detail), after: response.retryAfter)
        case 429:
            outcome = .retry(Reason(.throttled, vendorCode: vendorCode, detail: detail), after: response.retryAfter)
        case 500..<600:
            outcome = .retry(
                Reason(.vendorUnavailable, vendorCode: vendorCode, detail: detail), after: response.retryAfter)
        case 401:
            // The bearer token was refused without a code we know: fetch a new one and retry once.
            outcome = .retry(Reason(.authExpired, vendorCode: vendorCode, detail: detail))
        case 200..<300 where code == nil:
            outcome = .retry(Reason(.unknown, detail: "no code in the reply"))
        default:
            outcome = .reject(Reason(.unknown, vendorCode: vendorCode, detail: detail))
        }
        return PushSettings.same(outcome, for: messages)
    }

    /// Partial success: tokens in `illegal_tokens` are rejected, the others accepted. If the list cannot be read,
    /// nobody can tell who got the push, so every recipient is retried as unknown.
    func partial(_ msg: String?, requestID: String?, messages: [OutboundMessage]) -> SendOutcome {
        guard let msg, let counts = try? JSONParser.parse(msg), case .array(let list)? = counts["illegal_tokens"]
        else {
            let reason = Reason(.unknown, vendorCode: Self.partialCode, detail: "partial success without a token list")
            return PushSettings.same(.retry(reason), for: messages)
        }
        let illegal = Set(list.compactMap(\.stringValue))
        return .partial(
            messages.map { message in
                let outcome: SendOutcome =
                    illegal.contains(message.recipient)
                    ? .reject(Reason(.invalidRecipient, vendorCode: Self.partialCode, detail: "illegal token"))
                    : .accepted(vendorMessageID: requestID)
                return RecipientOutcome(recipient: message.recipient, outcome: outcome)
            })
    }
}
