import ChannelAlibabaCloud
import ChannelKit

extension AliyunSMSProfile {
    /// Every documented `SendSms`/`SendBatchSms` code (vendors.md 2.1.6, from
    /// https://help.aliyun.com/document_detail/101346.html and
    /// https://help.aliyun.com/en/sms/developer-reference/api-error-codes), and the OpenAPI gateway's common codes
    /// (vendors.md 2.1.5, marked not verified there). The same table is in the README.
    static let codeRules: VendorCodeTable = [
        "isp.SYSTEM_ERROR": .retry(.vendorUnavailable),
        // Per-number flow control: 验证码 1/min, 5/hour, 10/day by default; the shortest window is a minute.
        "isv.BUSINESS_LIMIT_CONTROL": .retry(.throttled, after: .seconds(60)),
        "isv.DAY_LIMIT_CONTROL": .reject(.quotaExceeded),
        "isv.MONTH_LIMIT_CONTROL": .reject(.quotaExceeded),
        "isv.AMOUNT_NOT_ENOUGH": .reject(.quotaExceeded),
        "isv.OUT_OF_SERVICE": .reject(.quotaExceeded),
        "isv.MOBILE_NUMBER_ILLEGAL": .reject(.invalidRecipient),
        "isv.MOBILE_COUNT_OVER_LIMIT": .reject(.unknown),
        "isv.SMS_TEMPLATE_ILLEGAL": .reject(.contentRejected),
        "isv.SMS_SIGNATURE_ILLEGAL": .reject(.contentRejected),
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL": .reject(.contentRejected),
        "isv.SIGN_STATE_ILLEGAL": .reject(.contentRejected),
        "isv.TEMPLATE_MISSING_PARAMETERS": .reject(.contentRejected),
        "isv.INVALID_JSON_PARAM": .reject(.contentRejected),
        "isv.INVALID_PARAMETERS": .reject(.contentRejected),
        "isv.PARAM_LENGTH_LIMIT": .reject(.contentRejected),
        "isv.PARAM_NOT_SUPPORT_URL": .reject(.contentRejected),
        "isv.BLACK_KEY_CONTROL_LIMIT": .reject(.contentRejected),
        "isv.SMS_CONTENT_ILLEGAL": .reject(.contentRejected),
        "isv.DENY_IP_RANGE": .reject(.authExpired),
        "isp.RAM_PERMISSION_DENY": .reject(.authExpired),
        // The OpenAPI gateway's own codes (HTTP 4xx).
        "SignatureDoesNotMatch": .reject(.authExpired),
        "InvalidAccessKeyId.NotFound": .reject(.authExpired),
        "InvalidTimeStamp.Expired": .retry(.authExpired),
        "SignatureNonceUsed": .retry(.unknown),
        "MissingParameter": .reject(.unknown),
        "Throttling.User": .retry(.throttled),
        "Throttling": .retry(.throttled),
    ]

    /// The longest vendor detail kept in a ``Reason``.
    static let maximumDetailLength = 200

    /// One reply's verdict for the whole request: accepted with `BizId`, or a reason with its retry class.
    enum Verdict {
        case accepted(String?)
        case failed(SendOutcome, code: String?)
    }

    func verdict(of response: VendorResponse) -> Verdict {
        let status = response.status
        let reply = try? JSONParser.parse(response.body)
        // The HTTP status of `isv.*` failures is not documented (vendors.md 9.1): read `Code` first, on any status.
        if let reply, let code = reply["Code"]?.stringValue {
            if code == "OK", (200..<300).contains(status) {
                return .accepted(reply["BizId"]?.scalarText)
            }
            let detail = reply["Message"]?.stringValue.map(redacted)
            if let rule = Self.codeRules[code] {
                let reason = Reason(rule.category, vendorCode: code, detail: detail)
                return .failed(
                    rule.retries ? .retry(reason, after: rule.after ?? response.retryAfter) : .reject(reason),
                    code: code)
            }
            if status == 429 || status >= 500 || code.hasPrefix("isp.") {
                return .failed(.retry(Reason(.vendorUnavailable, vendorCode: code, detail: detail)), code: code)
            }
            return .failed(.reject(Reason(.unknown, vendorCode: code, detail: detail)), code: code)
        }
        let statusCode = "HTTP \(status)"
        if status == 429 {
            return .failed(.retry(Reason(.throttled, vendorCode: statusCode), after: response.retryAfter), code: nil)
        }
        if status >= 500 || status == 408 {
            return .failed(
                .retry(Reason(.vendorUnavailable, vendorCode: statusCode), after: response.retryAfter), code: nil)
        }
        if status == 401 || status == 403 {
            return .failed(.reject(Reason(.authExpired, vendorCode: statusCode)), code: nil)
        }
        guard (200..<300).contains(status) else {
            return .failed(.reject(Reason(.unknown, vendorCode: statusCode)), code: nil)
        }
        // A 2xx without a `Code`: the reply's shape changed. Unsure, so retry rather than guess.
        return .failed(
            .retry(Reason(.unknown, detail: reply == nil ? "unparsable reply" : "no Code in reply")), code: nil)
    }

    /// A vendor message cut to ``maximumDetailLength``, with the AccessKey ID (raw, and percent-encoded once and
    /// twice) and the secret removed: Alibaba's `SignatureDoesNotMatch` message quotes the string to sign, which
    /// holds the key id.
    func redacted(_ message: String) -> String {
        var text = message
        for secret in [accessKeyID.reveal(), accessKeySecret.reveal()] where !secret.isEmpty {
            let once = AlibabaRPCSignature.percentEncode(secret)
            for form in [secret, once, AlibabaRPCSignature.percentEncode(once)] {
                text = text.replacing(form, with: "<redacted>")
            }
        }
        return String(text.prefix(Self.maximumDetailLength))
    }

    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        switch verdict(of: response) {
        case .accepted(let bizID): .accepted(vendorMessageID: bizID)
        case .failed(let outcome, _): outcome
        }
    }

    /// `SendBatchSms` answers once for the whole request: every recipient gets the same outcome and `BizId`. A bad
    /// number in a batch of several is not named by the vendor, so it is retried (as `unknown`) rather than
    /// refusing every number in the batch as invalid.
    func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage]) -> SendOutcome {
        if messages.count == 1, let message = messages.first {
            return .partial([
                RecipientOutcome(
                    recipient: message.recipient, outcome: outcome(of: response, to: request, message: message))
            ])
        }
        var shared: SendOutcome
        switch verdict(of: response) {
        case .accepted(let bizID): shared = .accepted(vendorMessageID: bizID)
        case .failed(let outcome, let code):
            shared = outcome
            if case .reject(let reason) = outcome, reason.category == .invalidRecipient {
                shared = .retry(
                    Reason(
                        .unknown, vendorCode: code, detail: "the vendor refused a number in the batch without naming it"
                    ))
            }
        }
        return .partial(messages.map { RecipientOutcome(recipient: $0.recipient, outcome: shared) })
    }
}
