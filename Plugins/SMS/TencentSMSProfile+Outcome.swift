import ChannelKit

extension TencentSMSProfile {
    /// Every code of vendors.md 2.2.5 (from `TencentCloud/tencentcloud-sdk-python
    /// tencentcloud/sms/v20210111/errorcodes.py` and https://cloud.tencent.com/document/api/382/59177; the
    /// `LimitExceeded.PhoneNumber*` names as in `TencentCloud/tencentcloud-sdk-java-intl-en
    /// src/main/java/com/tencentcloudapi/sms/v20210111/SmsErrorCode.java`), whether it comes in `SendStatusSet[].Code`
    /// or in `Response.Error.Code`. The same table is in the README.
    static let codeRules: VendorCodeTable = [
        "FailedOperation.SignatureIncorrectOrUnapproved": .reject(.contentRejected),
        "FailedOperation.TemplateIncorrectOrUnapproved": .reject(.contentRejected),
        "FailedOperation.PhoneNumberInBlacklist": .reject(.invalidRecipient),
        "FailedOperation.ContainSensitiveWord": .reject(.contentRejected),
        "FailedOperation.InsufficientBalanceInSmsPackage": .reject(.quotaExceeded),
        // Marketing texts go out 08:00–22:00 Beijing time only: wait for the morning.
        "FailedOperation.MarketingSendTimeConstraint": .retryAtBeijingTime(.throttled, secondOfDay: 8 * 3600),
        "InvalidParameterValue.IncorrectPhoneNumber": .reject(.invalidRecipient),
        "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": .reject(.contentRejected),
        "InvalidParameterValue.TemplateParameterFormatError": .reject(.contentRejected),
        "LimitExceeded.PhoneNumberThirtySecondLimit": .retry(.throttled, after: .seconds(30)),
        "LimitExceeded.PhoneNumberOneHourLimit": .retry(.throttled, after: .seconds(3600)),
        "LimitExceeded.PhoneNumberDailyLimit": .retryAtBeijingTime(.throttled, secondOfDay: 0),
        "LimitExceeded.PhoneNumberSameContentDailyLimit": .retryAtBeijingTime(.throttled, secondOfDay: 0),
        "LimitExceeded.AppDailyLimit": .reject(.quotaExceeded),
        "LimitExceeded.DeliveryFrequencyLimit": .retry(.throttled),
        "LimitExceeded.PhoneNumberCountLimit": .reject(.unknown),
        // An upstream timeout: the text may have gone out (class "?"); the core's dedup window guards resends.
        "InternalError.Timeout": .retry(.vendorUnavailable),
        // Our clock is more than 10 minutes off Tencent's: retried, but only fixing NTP helps.
        "InternalError.RequestTimeException": .retry(.unknown),
        "UnauthorizedOperation.SerivceSuspendDueToArrears": .reject(.quotaExceeded),
        // Signed more than 5 minutes ago: a fresh attempt is signed anew.
        "AuthFailure.SignatureExpire": .retry(.authExpired),
        "AuthFailure.SignatureFailure": .reject(.authExpired),
        "RequestLimitExceeded": .retry(.throttled),
    ]

    /// The rule for a code not in ``codeRules``, by its family: `AuthFailure.*` refuses the credentials,
    /// `InternalError.*` is Tencent's, `LimitExceeded.*` is a rate limit; anything else is rejected as `unknown`.
    static func rule(for code: String) -> VendorCodeRule {
        if let rule = codeRules[code] { return rule }
        if code.hasPrefix("AuthFailure.") { return .reject(.authExpired) }
        if code.hasPrefix("InternalError.") { return .retry(.vendorUnavailable) }
        if code.hasPrefix("LimitExceeded.") { return .retry(.throttled) }
        return .reject(.unknown)
    }

    /// The longest vendor detail kept in a ``Reason``.
    static let maximumDetailLength = 200

    /// The outcome a code means, `timestamp` being the request's `X-TC-Timestamp` (for waits until a time of day).
    func outcome(code: String, message: String?, timestamp: Int64?) -> SendOutcome {
        if code == "Ok" { return .accepted(vendorMessageID: nil) }
        let detail = message.map(redacted)
        let rule = Self.rule(for: code)
        let reason = Reason(rule.category, vendorCode: code, detail: detail)
        switch rule.verdict {
        case .reject: return .reject(reason)
        case .retry(let after): return .retry(reason, after: after)
        case .retryAtBeijingTime(let secondOfDay):
            let wait = timestamp.map { Self.secondsUntilBeijing(secondOfDay: secondOfDay, from: $0) }
            return .retry(reason, after: wait.map { .seconds($0) })
        }
    }

    /// Seconds from a Unix time until the next Beijing (UTC+8) `secondOfDay`; a full day if it is that moment.
    static func secondsUntilBeijing(secondOfDay target: Int64, from unixSeconds: Int64) -> Int64 {
        let day: Int64 = 86_400
        let now = ((unixSeconds + 8 * 3600) % day + day) % day
        let wait = ((target - now) % day + day) % day
        return wait == 0 ? day : wait
    }

    /// A vendor message cut to ``maximumDetailLength``, with the SecretId (and, should it ever be quoted, the key)
    /// removed.
    func redacted(_ message: String) -> String {
        var text = message
        for secret in [secretID.reveal(), secretKey.reveal()] where !secret.isEmpty {
            text = text.replacing(secret, with: "<redacted>")
        }
        return String(text.prefix(Self.maximumDetailLength))
    }

    /// The reply read: one outcome for the whole request, or one per vendor number (`+8613…`).
    enum Verdict {
        case whole(SendOutcome)
        case perNumber([String: SendOutcome])
    }

    func verdict(of response: VendorResponse, to request: VendorRequest) -> Verdict {
        let status = response.status
        let timestamp = request.headers.value(named: "X-TC-Timestamp").flatMap { Int64($0) }
        let body = (try? JSONParser.parse(response.body))?["Response"]
        if let error = body?["Error"], let code = error["Code"]?.stringValue {
            return .whole(outcome(code: code, message: error["Message"]?.stringValue, timestamp: timestamp))
        }
        if (200..<300).contains(status), case .array(let statuses)? = body?["SendStatusSet"] {
            var outcomes: [String: SendOutcome] = [:]
            for entry in statuses {
                guard let number = entry["PhoneNumber"]?.stringValue, let code = entry["Code"]?.stringValue else {
                    continue
                }
                var result = outcome(code: code, message: entry["Message"]?.stringValue, timestamp: timestamp)
                if case .accepted = result { result = .accepted(vendorMessageID: entry["SerialNo"]?.scalarText) }
                outcomes[number] = result
            }
            return .perNumber(outcomes)
        }
        let statusCode = "HTTP \(status)"
        if status == 429 {
            return .whole(.retry(Reason(.throttled, vendorCode: statusCode), after: response.retryAfter))
        }
        if status >= 500 || status == 408 {
            return .whole(.retry(Reason(.vendorUnavailable, vendorCode: statusCode), after: response.retryAfter))
        }
        if status == 401 || status == 403 { return .whole(.reject(Reason(.authExpired, vendorCode: statusCode))) }
        guard (200..<300).contains(status) else { return .whole(.reject(Reason(.unknown, vendorCode: statusCode))) }
        // A 2xx with neither a status set nor an error: the reply's shape changed. Unsure, so retry.
        return .whole(.retry(Reason(.unknown, detail: body == nil ? "unparsable reply" : "no SendStatusSet in reply")))
    }

    /// A number the reply did not mention is retried.
    static let missingNumber = SendOutcome.retry(Reason(.unknown, detail: "the reply has no status for this number"))

    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        switch verdict(of: response, to: request) {
        case .whole(let outcome): return outcome
        case .perNumber(let outcomes):
            return Self.vendorNumber(message.recipient).flatMap { outcomes[$0] } ?? Self.missingNumber
        }
    }

    func outcome(of response: VendorResponse, to request: VendorRequest, messages: [OutboundMessage]) -> SendOutcome {
        let verdict = verdict(of: response, to: request)
        return .partial(
            messages.map { message in
                let outcome: SendOutcome
                switch verdict {
                case .whole(let shared): outcome = shared
                case .perNumber(let outcomes):
                    outcome = Self.vendorNumber(message.recipient).flatMap { outcomes[$0] } ?? Self.missingNumber
                }
                return RecipientOutcome(recipient: message.recipient, outcome: outcome)
            })
    }
}
