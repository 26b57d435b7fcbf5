import ChannelKit

extension WeChatOAProfile {
    /// What one `errcode` means for the message: its category, and whether (and after how long) to retry.
    struct ErrorClass: Sendable, Hashable {
        var category: ReasonCategory
        var retry: Bool
        var after: Duration?
        /// Said in the reason when WeChat's own `errmsg` is missing.
        var meaning: String
    }

    /// The longest vendor `errmsg` kept in a ``Reason``.
    static let maximumDetailLength = 200

    /// Every documented `errcode` (vendors.md §4.6; WeChat's global code list,
    /// https://developers.weixin.qq.com/doc/oplatform/developers/errCode/errCode.html). The README has this table.
    /// A code not listed here is retried as `unknown`: unsure, so not given up on.
    static let errorClasses: [String: ErrorClass] = [
        "-1": ErrorClass(category: .vendorUnavailable, retry: true, meaning: "system busy"),
        // Token refused: the core drops it, fetches a fresh one and retries once.
        "40001": ErrorClass(category: .authExpired, retry: true, meaning: "invalid credential"),
        "40014": ErrorClass(category: .authExpired, retry: true, meaning: "invalid access_token"),
        "42001": ErrorClass(category: .authExpired, retry: true, meaning: "access_token expired"),
        "41001": ErrorClass(category: .authExpired, retry: true, meaning: "access_token missing"),
        // The account itself is refused: an operator must act (app id, IP whitelist, API permission).
        "40013": ErrorClass(category: .authExpired, retry: false, meaning: "invalid appid"),
        "40164": ErrorClass(category: .authExpired, retry: false, meaning: "caller IP not in the whitelist"),
        "61004": ErrorClass(category: .authExpired, retry: false, meaning: "caller IP not registered"),
        "48001": ErrorClass(category: .authExpired, retry: false, meaning: "API not authorized for the account"),
        "48004": ErrorClass(category: .authExpired, retry: false, meaning: "API banned for the account"),
        // The recipient cannot receive it.
        "40003": ErrorClass(category: .invalidRecipient, retry: false, meaning: "invalid openid"),
        "43004": ErrorClass(category: .invalidRecipient, retry: false, meaning: "user does not follow the account"),
        "43101": ErrorClass(category: .invalidRecipient, retry: false, meaning: "user refused the subscription"),
        "45015": ErrorClass(category: .invalidRecipient, retry: false, meaning: "reply window closed"),
        "50002": ErrorClass(category: .invalidRecipient, retry: false, meaning: "user limited"),
        // Quotas and rates. The daily quota resets at midnight, so there is no point in trying again soon.
        "45009": ErrorClass(
            category: .quotaExceeded, retry: true, after: .seconds(3600), meaning: "daily API quota used up"),
        "45011": ErrorClass(category: .throttled, retry: true, after: .seconds(60), meaning: "per-minute API quota"),
        "45047": ErrorClass(category: .throttled, retry: true, meaning: "out of response count limit"),
        // The template or its data.
        "40036": ErrorClass(category: .contentRejected, retry: false, meaning: "invalid template_id size"),
        "40037": ErrorClass(category: .contentRejected, retry: false, meaning: "invalid template_id"),
        "47003": ErrorClass(category: .contentRejected, retry: false, meaning: "template data invalid"),
        "47001": ErrorClass(category: .contentRejected, retry: false, meaning: "data format error"),
        "45002": ErrorClass(category: .contentRejected, retry: false, meaning: "content size out of limit"),
        "40066": ErrorClass(category: .contentRejected, retry: false, meaning: "invalid url"),
    ]

    /// The reason for a failed reply: WeChat's `errmsg` (bounded, never one echoing the app secret) as detail.
    func reason(_ category: ReasonCategory, code: String?, reply: JSONValue?, fallback: String?) -> Reason {
        var detail = reply?["errmsg"]?.scalarText.map { String($0.prefix(Self.maximumDetailLength)) }
        let secret = appSecret.reveal()
        if let text = detail, !secret.isEmpty, text.contains(secret) { detail = nil }
        if detail?.isEmpty ?? true { detail = fallback }
        return Reason(category, vendorCode: code, detail: detail)
    }

    /// Classifies a send reply: HTTP status first, then `errcode` (0 is success; WeChat answers 200 to failures).
    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        let status = response.status
        if status == 429 {
            return .retry(Reason(.throttled, vendorCode: "HTTP 429"), after: response.retryAfter)
        }
        if (500...599).contains(status) {
            return .retry(Reason(.vendorUnavailable, vendorCode: "HTTP \(status)"), after: response.retryAfter)
        }
        guard (200...299).contains(status) else {
            return .reject(Reason(.unknown, vendorCode: "HTTP \(status)"))
        }
        guard let reply = try? JSONParser.parse(response.body) else {
            return .retry(Reason(.unknown, detail: "unparsable reply"))
        }
        guard let code = reply["errcode"]?.scalarText else {
            return .retry(reason(.unknown, code: nil, reply: reply, fallback: "no errcode in the reply"))
        }
        if code == "0" {
            // `msgid` keys the TEMPLATESENDJOBFINISH event; bizsend documents none, but keep one if it comes.
            return .accepted(vendorMessageID: reply["msgid"]?.scalarText)
        }
        guard let known = Self.errorClasses[code] else {
            return .retry(reason(.unknown, code: code, reply: reply, fallback: "undocumented errcode"))
        }
        let why = reason(known.category, code: code, reply: reply, fallback: known.meaning)
        return known.retry ? .retry(why, after: known.after) : .reject(why)
    }

    /// Reads a `stable_token` reply: `{"access_token":"…","expires_in":7200}`, or `errcode`/`errmsg`.
    func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        let status = response.status
        if status == 429 { return .failed(Reason(.throttled, vendorCode: "HTTP 429")) }
        if (500...599).contains(status) { return .failed(Reason(.vendorUnavailable, vendorCode: "HTTP \(status)")) }
        guard (200...299).contains(status) else { return .failed(Reason(.unknown, vendorCode: "HTTP \(status)")) }
        guard let reply = try? JSONParser.parse(response.body) else {
            return .failed(Reason(.unknown, detail: "unparsable token reply"))
        }
        if let code = reply["errcode"]?.scalarText, code != "0" {
            // On the token call 40001 means a wrong app secret (vendors.md §4.6): auth_expired, for an operator.
            let category = Self.errorClasses[code]?.category ?? .unknown
            return .failed(reason(category, code: code, reply: reply, fallback: Self.errorClasses[code]?.meaning))
        }
        let lifetime = reply["expires_in"].flatMap { $0.intValue ?? $0.stringValue.flatMap { Int($0) } }
        guard let value = reply["access_token"]?.stringValue, !value.isEmpty, let lifetime, lifetime > 0,
            lifetime <= 86_400
        else {
            return .failed(Reason(.unknown, detail: "token reply without access_token and expires_in"))
        }
        let expiresAt = context.nowMilliseconds + Int64(lifetime) * 1000
        return .issued(AccessToken(value: Secret(value), expiresAtMilliseconds: expiresAt))
    }
}
