import ChannelKit

/// `vendor: huawei`: HMS Push Kit, `POST {endpoint}/v1/{app_id}/messages:send` with an OAuth 2.0
/// client-credentials bearer token from `token_endpoint`; one Android notification to a list of push tokens.
///
/// Sources: `/work/shared/docs/vendors.md` §5.2 (token request and reply, send body, `click_action` types,
/// 1–1000 tokens per request, reply codes) and its citations:
/// https://developer.huawei.com/consumer/en/doc/hmscore-guides/android-server-dev-0000001050040110/ (token),
/// `alvareztech/android-notifications README.md` (token and send examples),
/// https://blog.csdn.net/HUAWEI_HMSCore/article/details/125866284 and
/// https://segmentfault.com/a/1190000042188975/en (error codes, Huawei's own blog). Settings, the request shape
/// and the reply table are in `Plugins/AppPush/README.md`.
///
/// Batches: up to ``maximumRecipients`` tokens share one request when their title, body, link and badge are
/// equal; a partial-success reply (80100000) lists the illegal tokens, which are rejected, and the rest are
/// accepted under the reply's `requestId`. Receipts (not parsed here) carry `requestId`, `token` and `biTag`.
struct HuaweiPushProfile: AccessTokenProviding, Batching, CallbackVerifying, CustomStringConvertible {
    /// The keys `settings:` may hold.
    static let settingsKeys = [
        "endpoint", "token_endpoint", "app_id", "client_id", "client_secret", "ttl", "urgency", "badge_class",
        "callback_key", "callback_username",
    ]
    /// The Push Kit API host.
    static let defaultEndpoint = "https://push-api.cloud.huawei.com"
    /// The OAuth 2.0 token URL.
    static let defaultTokenEndpoint = "https://oauth-login.cloud.huawei.com/oauth2/v3/token"
    /// Tokens per request: `message.token` takes 1 to 1000.
    static let maximumRecipients = 1000
    /// The longest push token `check` accepts (HMS tokens are about 130 characters; this is generous).
    static let maximumAddressLength = 512
    /// `android.ttl` upper bound in days (Push Kit caches offline messages at most 15 days).
    static let maximumTTLDays = 15
    /// `urgency:` values, as Push Kit spells them.
    static let urgencies = ["HIGH", "NORMAL"]

    /// `{endpoint}/v1/{app_id}/messages:send`.
    let sendURL: String
    /// The token endpoint.
    let tokenURL: String
    /// The OAuth client id (the app id unless `client_id` says otherwise).
    let clientID: String
    /// The OAuth client secret (the app secret).
    let clientSecret: Secret
    /// `android.ttl` in seconds, when set.
    let ttl: Int?
    /// `android.urgency`, when set.
    let urgency: String?
    /// `android.notification.badge.class`: the app's launcher activity, needed to set a badge.
    let badgeClass: String?
    /// How this instance's receipt callbacks are authenticated, when configured.
    let callbackSecurity: HuaweiCallbackCheck?

    var callbackVerifier: (any CallbackVerifier)? { callbackSecurity }

    var description: String { "HuaweiPushProfile(url: \(sendURL))" }

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
        guard let settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues) else {
            return nil
        }
        let endpoint = PushSettings.baseURL(settings, "endpoint", default: Self.defaultEndpoint)
        let tokenURL = PushSettings.baseURL(settings, "token_endpoint", default: Self.defaultTokenEndpoint)
        let appID = PushSettings.plainOrSecret(settings, "app_id", required: true)
        if let appID, appID.isEmpty || !appID.utf8.allSatisfy(Self.isIdentifierByte) {
            settings.error("app_id", "'app_id' must be the AppGallery Connect app id (letters, digits, . _ -)")
        }
        let clientID = PushSettings.plainOrSecret(settings, "client_id", required: false)
        if let clientID, clientID.isEmpty || !clientID.utf8.allSatisfy(Self.isIdentifierByte) {
            settings.error("client_id", "'client_id' must be the OAuth client id (letters, digits, . _ -)")
        }
        let clientSecret = settings.secret("client_secret", required: true)
        let ttl = PushSettings.seconds(settings, "ttl", maximumDays: Self.maximumTTLDays)
        let urgency = settings.choice("urgency", Self.urgencies)
        let badgeClass = settings.string("badge_class")
        if let badgeClass, badgeClass.isEmpty || !badgeClass.utf8.allSatisfy(Self.isIdentifierByte) {
            settings.error("badge_class", "'badge_class' must be a Java class name such as com.example.MainActivity")
        }

        // Receipt callbacks (vendors.md §5.2): both the HMAC key and the username, or neither.
        let callbackKey = settings.secret("callback_key")
        let callbackUsername = settings.string("callback_username")
        if (callbackKey == nil) != (callbackUsername == nil) {
            issues.error(
                settings.mark,
                "'callback_key' and 'callback_username' go together (the receipt callback's HMAC key and user)")
        }
        guard issues.errorCount == errorsBefore, let endpoint, let tokenURL, let appID, let clientSecret else {
            return nil
        }
        self.sendURL = "\(endpoint)/v1/\(appID)/messages:send"
        self.tokenURL = tokenURL
        self.clientID = clientID ?? appID
        self.clientSecret = clientSecret
        self.ttl = ttl
        self.urgency = urgency
        self.badgeClass = badgeClass
        self.callbackSecurity = callbackKey.flatMap { key in
            callbackUsername.map { HuaweiCallbackCheck(key: key, username: $0) }
        }
    }

    static func isIdentifierByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        if let problem = PushAddress.problem(
            message.recipient, maximumLength: Self.maximumAddressLength, name: "an HMS push token")
        {
            return problem
        }
        do {
            let content = try PushContent(message, titleRequired: true)
            if content.badge != nil, badgeClass == nil {
                return .badRequest(
                    "this channel cannot set badges: its settings name no 'badge_class'", field: "params.badge")
            }
        } catch {
            return error
        }
        return nil
    }

    // MARK: Token

    /// Asks the OAuth endpoint for a client-credentials token (form body, as vendors.md §5.2 shows).
    func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep {
        let body =
            "grant_type=client_credentials&client_id=\(PushSettings.formEncoded(clientID))"
            + "&client_secret=\(PushSettings.formEncoded(clientSecret.reveal()))"
        return .fetch(
            VendorRequest(
                method: "POST",
                url: tokenURL,
                headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                body: Array(body.utf8)
            ))
    }

    /// Reads `{"access_token": …, "expires_in": 3600, "token_type": "Bearer"}`; an error reply's `error` and
    /// `error_description` become the reason's code and detail.
    func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        let reply = try? JSONParser.parse(response.body)
        let status = response.status
        if (200..<300).contains(status), let token = reply?["access_token"]?.stringValue, !token.isEmpty,
            let seconds = reply?["expires_in"]?.intValue, seconds > 0
        {
            return .issued(
                AccessToken(
                    value: Secret(token), expiresAtMilliseconds: context.nowMilliseconds + Int64(seconds) * 1000))
        }
        let code = reply?["error"]?.scalarText ?? "HTTP \(status)"
        let detail = PushSettings.detail(reply?["error_description"]?.scalarText)
        switch status {
        case 200..<300:
            return .failed(Reason(.unknown, vendorCode: code, detail: detail ?? "no access_token/expires_in in reply"))
        case 429: return .failed(Reason(.throttled, vendorCode: code, detail: detail))
        case 500..<600: return .failed(Reason(.vendorUnavailable, vendorCode: code, detail: detail))
        default: return .failed(Reason(.authExpired, vendorCode: code, detail: detail ?? "token request refused"))
        }
    }

    // MARK: Send

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        try request(for: [message], context: context)
    }

    var maxBatchSize: Int { Self.maximumRecipients }

    func batchKey(for message: OutboundMessage) -> String? {
        (try? PushContent(message, titleRequired: true))?.batchKey
    }

    func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem) -> VendorRequest {
        guard let first = messages.first, messages.count <= Self.maximumRecipients else {
            throw .badRequest("a Push Kit request carries 1 to \(Self.maximumRecipients) tokens")
        }
        guard let token = context.accessToken else {
            throw .badRequest("no Push Kit access token yet: the token fetch has not succeeded")
        }
        for message in messages { if let problem = check(message) { throw problem } }
        let content = try PushContent(first, titleRequired: true)
        for message in messages.dropFirst() {
            guard try PushContent(message, titleRequired: true) == content else {
                throw .badRequest("messages in one Push Kit request must show the same notification")
            }
        }
        // Only a single-message request can name its message: bi_tag is one per request.
        let biTag = messages.count == 1 ? first.id : nil
        return VendorRequest(
            method: "POST",
            url: sendURL,
            headers: [
                HTTPHeader("Authorization", "Bearer " + token.reveal()),
                HTTPHeader("Content-Type", "application/json"),
            ],
            body: Array(body(content, tokens: messages.map(\.recipient), biTag: biTag).serialized.utf8)
        )
    }

    /// The send body: `validate_only` false and `message` with `android` (`bi_tag`, `ttl`, `urgency`,
    /// `notification` with `title`, `body`, `click_action` and `badge`) and `token`.
    /// `click_action`: an http(s) link opens as a web page (type 2, `url`), any other link (an app scheme or an
    /// `intent://` URI) as an app page (type 1, `intent`), and no link opens the app (type 3).
    func body(_ content: PushContent, tokens: [String], biTag: String?) -> JSONValue {
        let clickAction: JSONValue
        if let link = content.link, link.hasPrefix("https://") || link.hasPrefix("http://") {
            clickAction = .object(["type": .number("2"), "url": .string(link)])
        } else if let link = content.link {
            clickAction = .object(["type": .number("1"), "intent": .string(link)])
        } else {
            clickAction = .object(["type": .number("3")])
        }
        var notification: [String: JSONValue] = [
            "title": .string(content.title ?? ""), "body": .string(content.body), "click_action": clickAction,
        ]
        if let badge = content.badge, let badgeClass {
            notification["badge"] = .object(["class": .string(badgeClass), "set_num": .number(String(badge))])
        }
        var android: [String: JSONValue] = ["notification": .object(notification)]
        if let biTag { android["bi_tag"] = .string(biTag) }
        if let ttl { android["ttl"] = .string("\(ttl)s") }
        if let urgency { android["urgency"] = .string(urgency) }
        return .object([
            "validate_only": .bool(false),
            "message": .object([
                "android": .object(android),
                "token": .array(tokens.map(JSONValue.string)),
            ]),
        ])
    }
}
