import ChannelKit

extension WeChatOAProfile {
    /// The longest vendor `errmsg` kept in a ``Reason``.
    static let maximumDetailLength = 200

    /// Every documented `errcode` (vendors.md §4.6; WeChat's global code list,
    /// https://developers.weixin.qq.com/doc/oplatform/developers/errCode/errCode.html). The README has this table.
    /// A code not listed here is retried as `unknown`: unsure, so not given up on. A row's detail is said in the
    /// reason when WeChat's own `errmsg` is missing.
    static let errorClasses: VendorCodeTable = [
        "-1": .retry(.vendorUnavailable, "system busy"),
        // Token refused: the core drops it, fetches a fresh one and retries once.
        "40001": .retry(.authExpired, "invalid credential"),
        "40014": .retry(.authExpired, "invalid access_token"),
        "42001": .retry(.authExpired, "access_token expired"),
        "41001": .retry(.authExpired, "access_token missing"),
        // The account itself is refused: an operator must act (app id, IP whitelist, API permission).
        "40013": .reject(.authExpired, "invalid appid"),
        "40164": .reject(.authExpired, "caller IP not in the whitelist"),
        "61004": .reject(.authExpired, "caller IP not registered"),
        "48001": .reject(.authExpired, "API not authorized for the account"),
        "48004": .reject(.authExpired, "API banned for the account"),
        // The recipient cannot receive it.
        "40003": .reject(.invalidRecipient, "invalid openid"),
        "43004": .reject(.invalidRecipient, "user does not follow the account"),
        "43101": .reject(.invalidRecipient, "user refused the subscription"),
        "45015": .reject(.invalidRecipient, "reply window closed"),
        "50002": .reject(.invalidRecipient, "user limited"),
        // Quotas and rates. The daily quota resets at midnight, so there is no point in trying again soon.
        "45009": .retry(.quotaExceeded, after: .seconds(3600), "daily API quota used up"),
        "45011": .retry(.throttled, after: .seconds(60), "per-minute API quota"),
        "45047": .retry(.throttled, "out of response count limit"),
        // The template or its data.
        "40036": .reject(.contentRejected, "invalid template_id size"),
        "40037": .reject(.contentRejected, "invalid template_id"),
        "47003": .reject(.contentRejected, "template data invalid"),
        "47001": .reject(.contentRejected, "data format error"),
        "45002": .reject(.contentRejected, "content size out of limit"),
        "40066": .reject(.contentRejected, "invalid url"),
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
        let why = reason(known.category, code: code, reply: reply, fallback: known.detail)
        return known.retries ? .retry(why, after: known.after) : .reject(why)
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
            return .failed(reason(category, code: code, reply: reply, fallback: Self.errorClasses[code]?.detail))
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
