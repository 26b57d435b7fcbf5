import ChannelKit

extension AliyunVMSProfile {
    /// The longest vendor `Message` kept in a ``Reason``.
    static let maximumDetailLength = 200

    /// Every documented `Code`, from Alibaba's VMS API error-code pages
    /// (https://help.aliyun.com/document_detail/178344.html, https://help.aliyun.com/en/vms/developer-reference/api-error-code,
    /// https://help.aliyun.com/zh/vms/developer-reference/api-dyvmsapi-2017-05-25-errorcodes) and the OpenAPI
    /// gateway's common codes (vendors.md §2.1.5, marked [n/v] there). The README carries the same table.
    static let codeRules: VendorCodeTable = [
        // Platform errors: the call was not placed; try again.
        "isp.SYSTEM_ERROR": .retry(.vendorUnavailable),
        "isp.GATEWAY_ERROR": .retry(.vendorUnavailable),
        "InternalError": .retry(.vendorUnavailable),
        "ServiceUnavailable": .retry(.vendorUnavailable),
        "isv.VOICE_CALL_FAIL": .retry(.vendorUnavailable),
        "isp.UNKNOWN": .retry(.unknown),
        // Flow control: per caller qualification 1/minute, 5/hour, 20/24 hours (W class).
        "isv.BUSINESS_LIMIT_CONTROL": .retry(.throttled, after: .seconds(60)),
        "Throttling": .retry(.throttled),
        "Throttling.User": .retry(.throttled),
        "Throttling.Api": .retry(.throttled),
        "isv.VOICE_ROBOT_NOT_PERIOD": .retry(.throttled),
        "isv.VOICE_CALL_PERIOD_ERROR": .retry(.throttled),
        // Signing: the next attempt is signed afresh with a new time and nonce.
        "InvalidTimeStamp.Expired": .retry(.unknown),
        "SignatureNonceUsed": .retry(.unknown),
        // The callee.
        "isv.MOBILE_NUMBER_ILLEGAL": .reject(.invalidRecipient),
        "isv.COMPLAINT_REJECT": .reject(.invalidRecipient),
        "ComplaintReject": .reject(.invalidRecipient),
        // The template, its variables, the voice file, and the caller id (the call's equivalent of a sign name).
        "isv.TTS_TEMPLATE_ILLEGAL": .reject(.contentRejected),
        "isv.TEMPLATE_ILLEGAL": .reject(.contentRejected),
        "isv.TEMPLATE_PARAMS_ILLEGAL": .reject(.contentRejected),
        "isv.BLACK_KEY_CONTROL_LIMIT": .reject(.contentRejected),
        "isv.VOICE_FILE_ILLEGAL": .reject(.contentRejected),
        "isv.DISPLAY_NUMBER_ILLEGAL": .reject(.contentRejected),
        "isv.BILLID_NOT_EXIST": .reject(.contentRejected),
        "BillidNotExist": .reject(.contentRejected),
        // Money.
        "isv.AMOUNT_NOT_ENOUGH": .reject(.quotaExceeded),
        "isv.AMOUNT_NOT_ENOUG": .reject(.quotaExceeded),
        "isv.OUT_OF_SERVICE": .reject(.quotaExceeded),
        "isv.ACCOUNT_ABNORMAL": .reject(.quotaExceeded),
        // The key, its account or its permissions.
        "isp.RAM_PERMISSION_DENY": .reject(.authExpired),
        "isv.PRODUCT_UN_SUBSCRIPT": .reject(.authExpired),
        "isv.PRODUCT_UNSUBSCRIBE": .reject(.authExpired),
        "isv.ACCOUNT_NOT_EXISTS": .reject(.authExpired),
        "isp.RES_OWNER_ID_UNKNOWN": .reject(.authExpired),
        "isp.USER_NOT_EXIST": .reject(.authExpired),
        "isp.USER_ASSERT_NOT_EXIST": .reject(.authExpired),
        "SignatureDoesNotMatch": .reject(.authExpired),
        "IncompleteSignature": .reject(.authExpired),
        "InvalidAccessKeyId.NotFound": .reject(.authExpired),
        "InvalidAccessKeyId.Inactive": .reject(.authExpired),
        // The request itself: retrying the same parameters cannot help.
        "isv.INVALID_PARAMETERS": .reject(.unknown),
        "InvalidParameters": .reject(.unknown),
        "MissingParameter": .reject(.unknown),
        "isv.MOBILE_COUNT_OVER_LIMIT": .reject(.unknown),
        "isv.VOICE_ROBOT_CALLEE_LIMIT": .reject(.unknown),
    ]

    /// Classifies a `SingleCallByTts` reply: `Code` `OK` is accepted with the `CallId`, which keys the
    /// `VoiceReport`; any other `Code` by ``codeRules`` (an unlisted one is retried as `unknown`); a reply without
    /// a `Code` by its HTTP status. See the README's table.
    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        let status = response.status
        let reply = try? JSONParser.parse(response.body)
        if let code = reply?["Code"]?.scalarText {
            if code == "OK", (200..<300).contains(status) {
                return .accepted(vendorMessageID: reply?["CallId"]?.scalarText)
            }
            let detail = reply?["Message"]?.scalarText.map { String($0.prefix(Self.maximumDetailLength)) }
            guard let rule = Self.codeRules[code] else {
                return .retry(Reason(.unknown, vendorCode: code, detail: detail), after: response.retryAfter)
            }
            let reason = Reason(rule.category, vendorCode: code, detail: detail)
            return rule.retries ? .retry(reason, after: response.retryAfter ?? rule.after) : .reject(reason)
        }
        let statusCode = "HTTP \(status)"
        switch status {
        case 429: return .retry(Reason(.throttled, vendorCode: statusCode), after: response.retryAfter)
        case 408, 500...599:
            return .retry(Reason(.vendorUnavailable, vendorCode: statusCode), after: response.retryAfter)
        case 401, 403: return .reject(Reason(.authExpired, vendorCode: statusCode))
        case 200..<300: return .retry(Reason(.unknown, vendorCode: statusCode, detail: "reply without a Code"))
        default: return .reject(Reason(.unknown, vendorCode: statusCode))
        }
    }
}
