import ChannelKit

extension APNsProfile {
    /// What each documented `reason` means. Sources: Apple, "Handling notification responses from APNs"
    /// (developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns), the
    /// reason list of docs.rs `apns-h2` `ErrorReason` (which adds `InvalidPushType`, `ExpiredToken`,
    /// `UnrelatedKeyIdInToken`, `BadEnvironmentKeyIdInToken`), and vendors.md §5.4.
    static let reasons: VendorCodeTable = [
        // The token is not a token of this app in this environment, or no longer is.
        "BadDeviceToken": .reject(.invalidRecipient, "the device token is invalid (or for the other environment)"),
        "DeviceTokenNotForTopic": .reject(.invalidRecipient, "the device token belongs to another app"),
        "MissingDeviceToken": .reject(.invalidRecipient, "the request path has no device token"),
        "Unregistered": .reject(.invalidRecipient, "the device token is no longer active for the topic"),
        "ExpiredToken": .reject(.invalidRecipient, "the device token has expired"),
        // The notification itself.
        "PayloadEmpty": .reject(.contentRejected, "the payload is empty"),
        "PayloadTooLarge": .reject(.contentRejected, "the payload is too large"),
        "BadCollapseId": .reject(.contentRejected, "apns-collapse-id is too long"),
        // Headers this adapter builds from settings: a configuration problem, permanent until it is fixed.
        "BadTopic": .reject(.unknown, "apns-topic (bundle_id) is invalid"),
        "MissingTopic": .reject(.unknown, "apns-topic (bundle_id) is missing"),
        "TopicDisallowed": .reject(.unknown, "pushing to this topic is not allowed"),
        "BadExpirationDate": .reject(.unknown, "apns-expiration is invalid"),
        "BadMessageId": .reject(.unknown, "apns-id is invalid"),
        "BadPriority": .reject(.unknown, "apns-priority is invalid"),
        "InvalidPushType": .reject(.unknown, "apns-push-type is invalid"),
        "DuplicateHeaders": .reject(.unknown, "a header was repeated"),
        "BadPath": .reject(.unknown, "the request path is invalid"),
        "MethodNotAllowed": .reject(.unknown, "only POST is allowed"),
        // The provider token: stale or refused ones are dropped and re-issued once by the core.
        "ExpiredProviderToken": .retry(.authExpired, "the provider token is older than an hour"),
        "InvalidProviderToken": .retry(.authExpired, "the provider token is invalid or its signature failed"),
        "MissingProviderToken": .retry(.authExpired, "no provider token was sent"),
        // Credentials that a new token cannot fix: the key, team or environment is wrong.
        "UnrelatedKeyIdInToken": .reject(.authExpired, "key_id does not belong to team_id"),
        "BadEnvironmentKeyIdInToken": .reject(.authExpired, "the key is not enabled for this environment"),
        "BadCertificate": .reject(.authExpired, "the certificate is invalid"),
        "BadCertificateEnvironment": .reject(.authExpired, "the certificate is for the other environment"),
        "Forbidden": .reject(.authExpired, "the action is not allowed"),
        // Slow down.
        "TooManyProviderTokenUpdates": .retry(.throttled, "the provider token was re-issued too often"),
        "TooManyRequests": .retry(.throttled, "too many notifications to this device token"),
        // Apple's side.
        "IdleTimeout": .retry(.vendorUnavailable, "the connection idled out"),
        "InternalServerError": .retry(.vendorUnavailable, "APNs internal server error"),
        "ServiceUnavailable": .retry(.vendorUnavailable, "APNs is unavailable"),
        "Shutdown": .retry(.vendorUnavailable, "the APNs server is shutting down"),
    ]

    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        if response.status == 200 {
            // Apple echoes the apns-id we sent, or names the one it assigned.
            let id = response.headers.value(named: "apns-id") ?? request.headers.value(named: "apns-id")
            return .accepted(vendorMessageID: id)
        }
        let reply = try? JSONParser.parse(response.body)
        let reason = reply?["reason"]?.stringValue
        if let reason, let known = Self.reasons[reason] {
            let why = Reason(known.category, vendorCode: reason, detail: known.detail)
            return known.retries ? .retry(why, after: response.retryAfter) : .reject(why)
        }
        // An undocumented reason or none: classify by the HTTP status alone.
        let code = reason ?? "HTTP \(response.status)"
        switch response.status {
        case 410: return .reject(Reason(.invalidRecipient, vendorCode: code, detail: "the device token is inactive"))
        case 403: return .retry(Reason(.authExpired, vendorCode: code, detail: "APNs refused the provider token"))
        case 429: return .retry(Reason(.throttled, vendorCode: code), after: response.retryAfter)
        case 413: return .reject(Reason(.contentRejected, vendorCode: code, detail: "the payload is too large"))
        case 500...599:
            return .retry(Reason(.vendorUnavailable, vendorCode: code), after: response.retryAfter)
        case 400...499: return .reject(Reason(.unknown, vendorCode: code, detail: "APNs refused the request"))
        default: return .retry(Reason(.unknown, vendorCode: code, detail: "unexpected APNs reply"))
        }
    }
}
