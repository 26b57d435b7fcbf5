import ChannelKit

extension FCMProfile {
    /// The FCM `errorCode` (from the `google.firebase.fcm.v1.FcmError` detail) and, when there is none, the
    /// Google API `status`, each with its verdict. Sources: firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode,
    /// firebase.google.com/docs/cloud-messaging/error-codes (cloud.google.com/apis/design/errors for `status`),
    /// vendors.md §5.5.
    static let errorCodes: VendorCodeTable = [
        "UNREGISTERED": .reject(.invalidRecipient, "the registration token is no longer valid"),
        "SENDER_ID_MISMATCH": .reject(.invalidRecipient, "the registration token belongs to another sender"),
        "INVALID_ARGUMENT": .reject(.contentRejected, "FCM refused a field of the message"),
        "QUOTA_EXCEEDED": .retry(.throttled, "the sending quota was exceeded"),
        "UNAVAILABLE": .retry(.vendorUnavailable, "FCM is overloaded"),
        "INTERNAL": .retry(.vendorUnavailable, "FCM internal error"),
        // APNs or web-push credentials uploaded to Firebase were refused: a new OAuth token cannot fix that.
        "THIRD_PARTY_AUTH_ERROR": .reject(.authExpired, "the APNs or web push credential in Firebase was refused"),
        "UNSPECIFIED_ERROR": .retry(.unknown, "FCM gave no detail"),
    ]

    static let statuses: VendorCodeTable = [
        "UNAUTHENTICATED": .retry(.authExpired, "the access token was refused"),
        "PERMISSION_DENIED": .reject(.authExpired, "the service account may not send for this project"),
        "NOT_FOUND": .reject(.invalidRecipient, "the registration token was not found"),
        "INVALID_ARGUMENT": .reject(.contentRejected, "FCM refused a field of the message"),
        "RESOURCE_EXHAUSTED": .retry(.throttled, "the sending quota was exceeded"),
        "UNAVAILABLE": .retry(.vendorUnavailable, "FCM is overloaded"),
        "INTERNAL": .retry(.vendorUnavailable, "FCM internal error"),
    ]

    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        let reply = try? JSONParser.parse(response.body)
        if response.status == 200 {
            // `{"name":"projects/<project>/messages/<id>"}`; a 200 without a name is not a proven success.
            guard let name = reply?["name"]?.stringValue, !name.isEmpty else {
                return .retry(Reason(.unknown, detail: "FCM answered 200 without a message name"))
            }
            return .accepted(vendorMessageID: name)
        }
        let error = reply?["error"]
        let status = error?["status"]?.stringValue
        var errorCode: String?
        var tokenViolation = false
        if case .array(let details)? = error?["details"] {
            for detail in details {
                let type = detail["@type"]?.stringValue ?? ""
                if type.hasSuffix("google.firebase.fcm.v1.FcmError") { errorCode = detail["errorCode"]?.stringValue }
                if type.hasSuffix("google.rpc.BadRequest"), case .array(let violations)? = detail["fieldViolations"] {
                    tokenViolation = violations.contains { $0["field"]?.stringValue == "message.token" }
                }
            }
        }
        // INVALID_ARGUMENT naming `message.token` is a malformed token, not bad content.
        if tokenViolation, errorCode == "INVALID_ARGUMENT" || (errorCode == nil && status == "INVALID_ARGUMENT") {
            return .reject(
                Reason(.invalidRecipient, vendorCode: "INVALID_ARGUMENT", detail: "the registration token is malformed")
            )
        }
        let known = errorCode.flatMap { Self.errorCodes[$0] } ?? status.flatMap { Self.statuses[$0] }
        if let known, let code = errorCode ?? status {
            let reason = Reason(known.category, vendorCode: code, detail: known.detail)
            return known.retries ? .retry(reason, after: response.retryAfter) : .reject(reason)
        }
        // An undocumented code or no JSON error at all: classify by the HTTP status (vendors.md §5.5).
        let code = errorCode ?? status ?? "HTTP \(response.status)"
        switch response.status {
        case 401: return .retry(Reason(.authExpired, vendorCode: code, detail: "the access token was refused"))
        case 403: return .reject(Reason(.authExpired, vendorCode: code, detail: "FCM refused the credentials"))
        case 404: return .reject(Reason(.invalidRecipient, vendorCode: code, detail: "the token was not found"))
        case 400: return .reject(Reason(.contentRejected, vendorCode: code, detail: "FCM refused the message"))
        case 429: return .retry(Reason(.throttled, vendorCode: code), after: response.retryAfter)
        case 500...599: return .retry(Reason(.vendorUnavailable, vendorCode: code), after: response.retryAfter)
        case 400...499: return .reject(Reason(.unknown, vendorCode: code, detail: "FCM refused the request"))
        default: return .retry(Reason(.unknown, vendorCode: code, detail: "unexpected FCM reply"))
        }
    }

    /// Reads Google's token reply: `{"access_token", "expires_in", "token_type"}` on 200; on failure an RFC 6749
    /// §5.2 body `{"error", "error_description"}` (`invalid_grant` for a bad or stale assertion,
    /// `invalid_client` / `unauthorized_client` for an unknown or disabled key).
    func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        let reply = try? JSONParser.parse(response.body)
        if response.status == 200 {
            guard let value = reply?["access_token"]?.stringValue, !value.isEmpty,
                let lifetime = reply?["expires_in"]?.intValue, lifetime > 0
            else {
                return .failed(Reason(.unknown, detail: "the token reply has no access_token and expires_in"))
            }
            return .issued(
                AccessToken(
                    value: Secret(value), expiresAtMilliseconds: context.nowMilliseconds + Int64(lifetime) * 1000))
        }
        let code = reply?["error"]?.stringValue ?? "HTTP \(response.status)"
        // Google's descriptions name the problem ("Invalid JWT Signature."); cut them short, they carry no secret.
        let detail = reply?["error_description"]?.stringValue.map { String($0.prefix(200)) }
        switch (response.status, code) {
        case (_, "invalid_grant"), (_, "invalid_client"), (_, "unauthorized_client"), (401, _), (403, _):
            return .failed(Reason(.authExpired, vendorCode: code, detail: detail ?? "Google refused the credentials"))
        case (429, _): return .failed(Reason(.throttled, vendorCode: code, detail: detail))
        case (500...599, _): return .failed(Reason(.vendorUnavailable, vendorCode: code, detail: detail))
        default: return .failed(Reason(.unknown, vendorCode: code, detail: detail ?? "unexpected token reply"))
        }
    }
}
