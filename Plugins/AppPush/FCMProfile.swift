import ChannelKit

/// Firebase Cloud Messaging HTTP v1, `vendor: fcm`: `POST {endpoint}/v1/projects/<project_id>/messages:send`
/// with an OAuth 2.0 bearer token that the core fetches with a service-account JWT (RS256) assertion.
///
/// Sources: Firebase, "Migrate from legacy FCM APIs to HTTP v1" and the REST reference of `projects.messages`
/// (firebase.google.com/docs/reference/fcm/rest/v1/projects.messages); Google, "Using OAuth 2.0 for Server to
/// Server Applications" (developers.google.com/identity/protocols/oauth2/service-account, "Preparing to make an
/// authorized API call" / HTTP/REST); vendors.md §5.5. Settings are read in `+Settings`, replies in `+Outcome`.
struct FCMProfile: AccessTokenProviding, CustomStringConvertible, CustomReflectable {
    static let defaultEndpoint = "https://fcm.googleapis.com"
    static let defaultTokenURI = "https://oauth2.googleapis.com/token"
    /// The OAuth scope FCM's send method needs.
    static let scope = "https://www.googleapis.com/auth/firebase.messaging"
    /// The assertion's lifetime: Google accepts at most one hour (`exp` ≤ `iat` + 3600).
    static let assertionLifetimeSeconds: Int64 = 3600
    /// The RFC 7523 grant type, form-encoded.
    static let grantType = "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"

    /// Base URL without a trailing slash.
    let endpoint: String
    let projectID: String
    let clientEmail: String
    /// The service account's `private_key_id`, sent as the assertion's `kid` when configured.
    let privateKeyID: String?
    let key: RS256Key
    let tokenURI: String
    /// `android.priority`: `high` (wakes the device, for alerts) or `normal`; the REST reference of
    /// `AndroidConfig` says it "can take "normal" and "high" values".
    let androidPriority: String
    /// `android.ttl` in seconds, when configured: a protobuf Duration string such as `3600s` (4 weeks at most;
    /// `0s` means deliver now or never).
    let timeToLiveSeconds: Int64?

    var description: String {
        "FCMProfile(endpoint: \(endpoint), project_id: \(projectID), client_email: \(clientEmail))"
    }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    var sendURL: String { endpoint + "/v1/projects/" + projectID + "/messages:send" }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        if let problem = Self.checkRegistrationToken(message.recipient) { return problem }
        do {
            _ = try body(for: message)
        } catch {
            return error
        }
        return nil
    }

    /// FCM registration tokens are opaque (about 150 to 200 characters of `[A-Za-z0-9_:-]`); anything with
    /// spaces, slashes or quotes, or absurdly long, cannot be one.
    static func checkRegistrationToken(_ token: String) -> MessageProblem? {
        let valid =
            (16...4096).contains(token.utf8.count)
            && token.utf8.allSatisfy { byte in
                (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || [UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: ".")].contains(byte)
            }
        return valid ? nil : .invalidRecipient("an FCM registration token is 16 or more of [A-Za-z0-9_:.-]")
    }

    /// `{"message":{token, notification{title, body}, data{gateway_message_id, url}, android{…}, apns{…}}}`.
    /// `data` values are strings, as FCM requires; the badge goes to `android.notification.notification_count`
    /// and `apns.payload.aps.badge`.
    func body(for message: OutboundMessage) throws(MessageProblem) -> [UInt8] {
        guard let text = message.content, !text.isEmpty else {
            throw .badRequest("an FCM notification needs 'content' (the notification body)", field: "content")
        }
        var notification: [String: JSONValue] = ["body": .string(text)]
        if let title = message.title, !title.isEmpty { notification["title"] = .string(title) }
        var data: [String: JSONValue] = [PushSettings.messageIDKey: .string(message.id)]
        if let url = message.url, !url.isEmpty { data[PushSettings.linkKey] = .string(url) }
        var android: [String: JSONValue] = ["priority": .string(androidPriority)]
        if let timeToLiveSeconds { android["ttl"] = .string("\(timeToLiveSeconds)s") }
        var fields: [String: JSONValue] = [
            "token": .string(message.recipient),
            "notification": .object(notification),
            "data": .object(data),
        ]
        if let badge = try PushSettings.badge(message) {
            android["notification"] = .object(["notification_count": .number(String(badge))])
            fields["apns"] = .object(["payload": .object(["aps": .object(["badge": .number(String(badge))])])])
        }
        fields["android"] = .object(android)
        return Array(JSONValue.object(["message": .object(fields)]).serialized.utf8)
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        if let problem = Self.checkRegistrationToken(message.recipient) { throw problem }
        let body = try body(for: message)
        guard let token = context.accessToken else {
            throw .badRequest("no FCM access token is available for this instance")
        }
        return VendorRequest(
            method: "POST",
            url: sendURL,
            headers: [
                HTTPHeader("Authorization", "Bearer " + token.reveal()),
                HTTPHeader("Content-Type", "application/json; charset=UTF-8"),
            ],
            body: body
        )
    }

    /// The service-account assertion (RFC 7523 §2.1): header `{alg: RS256, kid?, typ: JWT}`, claims
    /// `{aud: token_uri, exp: iat + 3600, iat, iss: client_email, scope}`.
    func assertion(context: RequestContext) throws(MessageProblem) -> String {
        let issuedAt = context.nowMilliseconds / 1000
        var header: [String: JSONValue] = ["alg": .string("RS256"), "typ": .string("JWT")]
        if let privateKeyID { header["kid"] = .string(privateKeyID) }
        let claims = JSONValue.object([
            "iss": .string(clientEmail),
            "scope": .string(Self.scope),
            "aud": .string(tokenURI),
            "iat": .number(String(issuedAt)),
            "exp": .number(String(issuedAt + Self.assertionLifetimeSeconds)),
        ])
        do {
            return try JWT.rs256(header: .object(header), claims: claims, key: key)
        } catch {
            throw .badRequest("the FCM service-account assertion could not be signed: \(error)")
        }
    }

    func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep {
        let body = "grant_type=" + Self.grantType + "&assertion=" + (try assertion(context: context))
        return .fetch(
            VendorRequest(
                method: "POST",
                url: tokenURI,
                headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(body.utf8)
            ))
    }
}
