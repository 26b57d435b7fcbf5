import ChannelKit
import ChannelWeChatCrypto

/// One WeChat Official Account send API (`template` or `subscribe`) with the account's credentials.
///
/// The request body is JSON with sorted keys, built from the message alone (vendors.md §4.2, §4.4):
/// - `touser` is the recipient (the follower's open id), `template_id` the message's `template`;
/// - `data` is `{"<param>":{"value":"…"}}` for every parameter except ``miniprogramPageParameter``;
/// - the link is `url` (template) or `page` (subscribe), from the message's `url`;
/// - `miniprogram` is `{"appid":…,"pagepath":…}` when `miniprogram_app_id` is set: the app id is the instance's,
///   the page is the message's ``miniprogramPageParameter`` parameter or else `miniprogram_page_path`;
/// - `client_msg_id` (template only) is the message id: WeChat sends one message per open id and id within ten
///   minutes, so a retry after a lost reply is not delivered twice.
///
/// Replies are classified in `+Replies`; the access token comes from `cgi-bin/stable_token` (see ``tokenStep(context:)``).
struct WeChatOAProfile: AccessTokenProviding, CallbackVerifying {
    /// The send API `vendor:` picks.
    enum API: String, Sendable {
        /// Template message, `POST /cgi-bin/message/template/send` (vendors.md §4.2).
        case template
        /// Subscription notification, `POST /cgi-bin/message/subscribe/bizsend` (vendors.md §4.4).
        case subscribe

        var path: String {
            switch self {
            case .template: "/cgi-bin/message/template/send"
            case .subscribe: "/cgi-bin/message/subscribe/bizsend"
            }
        }

        /// The body member carrying the message's `url`.
        var linkKey: String {
            switch self {
            case .template: "url"
            case .subscribe: "page"
            }
        }
    }

    /// The keys `settings:` may hold.
    static let settingsKeys = [
        "app_id", "app_secret", "endpoint", "miniprogram_app_id", "miniprogram_page_path", "callback_token",
        "callback_aes_key",
    ]

    /// The vendor's public API host (vendors.md §4).
    static let defaultEndpoint = "https://api.weixin.qq.com"

    /// The message parameter naming the mini program page; it never goes into `data`. WeChat template fields are
    /// written `{{name.DATA}}`, so a field name holds no `.` and this name cannot clash with one.
    static let miniprogramPageParameter = "miniprogram.pagepath"

    /// The longest open id accepted. Official Account open ids are 28 characters; the limit leaves room.
    static let maximumOpenIDLength = 64

    let api: API
    let appID: String
    let appSecret: Secret
    /// The base URL without a trailing `/`.
    let endpoint: String
    let miniprogramAppID: String?
    let miniprogramPagePath: String?
    /// How the account's server-URL pushes are verified (`callback_token`, `callback_aes_key`); `nil` takes no
    /// callbacks.
    let callbackSecurity: WeChatCallbackSecurity?

    var callbackVerifier: (any CallbackVerifier)? { callbackSecurity }

    /// Reads `settings:` (every key is listed in `Plugins/WeChatOA/README.md`), reporting every problem; `nil` if
    /// there was any.
    init?(api: API, setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        // An absent `settings:` reads as an empty mapping, so each missing required key is named.
        let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
        guard let settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues) else {
            return nil
        }
        let appID = Self.identifier(settings, "app_id", required: true, issues: issues)
        let appSecret = settings.secret("app_secret", required: true)
        if let appSecret, appSecret.reveal().isEmpty, settings.scalar("app_secret")?.secret == nil {
            settings.error("app_secret", "'app_secret' must not be empty")
        }
        let endpoint = Self.endpoint(settings, issues: issues)
        let miniprogramAppID = Self.identifier(settings, "miniprogram_app_id", required: false, issues: issues)
        let miniprogramPagePath = settings.string("miniprogram_page_path")
        if miniprogramPagePath != nil, !settings.contains("miniprogram_app_id") {
            settings.error(
                "miniprogram_page_path", "'miniprogram_page_path' needs 'miniprogram_app_id' (the mini program)")
        }
        let callbackSecurity = Self.callbackSecurity(settings, appID: appID)
        guard issues.errorCount == errorsBefore, let appID, let appSecret, let endpoint else { return nil }
        self.api = api
        self.appID = appID
        self.appSecret = appSecret
        self.endpoint = endpoint
        self.miniprogramAppID = miniprogramAppID
        self.miniprogramPagePath = miniprogramPagePath
        self.callbackSecurity = callbackSecurity
    }

    /// An app id: plain text (not a secret reference) of letters, digits, `_` and `-`.
    static func identifier(_ settings: ConfigMap, _ key: String, required: Bool, issues: ConfigIssueCollector)
        -> String?
    {
        guard let scalar = settings.scalar(key, required: required) else { return nil }
        guard scalar.secret == nil else {
            issues.error(scalar.mark, "'\(key)' cannot be a secret reference: it is sent in the clear")
            return nil
        }
        guard isIdentifier(scalar.text, maximumLength: 64) else {
            issues.error(scalar.mark, "'\(key)' must be an app id such as wx1234567890abcdef (letters and digits)")
            return nil
        }
        return scalar.text
    }

    /// `endpoint`: an http(s) base URL without query or fragment; the trailing `/` is dropped.
    static func endpoint(_ settings: ConfigMap, issues: ConfigIssueCollector) -> String? {
        guard let scalar = settings.scalar("endpoint") else { return defaultEndpoint }
        var text = scalar.text
        let isHTTP = text.hasPrefix("https://") || text.hasPrefix("http://")
        let isClean = !text.contains("?") && !text.contains("#") && text.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
        guard scalar.secret == nil, isHTTP, isClean else {
            issues.error(
                scalar.mark, "'endpoint' must be a base URL such as \(defaultEndpoint) (http:// or https://, no query)")
            return nil
        }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// Whether `text` is 1 to `maximumLength` ASCII letters, digits, `_` and `-`.
    static func isIdentifier(_ text: String, maximumLength: Int) -> Bool {
        (1...maximumLength).contains(text.utf8.count)
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    // MARK: Messages

    func check(_ message: OutboundMessage) -> MessageProblem? {
        guard Self.isIdentifier(message.recipient, maximumLength: Self.maximumOpenIDLength) else {
            return .invalidRecipient(
                "'\(message.recipient.prefix(80))' is not a WeChat open id (letters, digits, '_' and '-', up to "
                    + "\(Self.maximumOpenIDLength))")
        }
        guard let template = message.template, !template.isEmpty else {
            return .badRequest(
                "this channel sends WeChat templates: 'template' (the template_id) is required",
                field: "template")
        }
        let fields = message.params.keys.filter { $0 != Self.miniprogramPageParameter }
        guard !fields.isEmpty else {
            return .badRequest("the template's fields come from 'params', and there are none", field: "params")
        }
        if let field = fields.sorted().first(where: { $0.isEmpty || $0.contains(".") }) {
            return .badRequest(
                "'\(field)' is not a template field name (write 'keyword1', not 'keyword1.DATA')",
                field: "params.\(field)")
        }
        if message.params[Self.miniprogramPageParameter] != nil, miniprogramAppID == nil {
            return .badRequest(
                "this channel has no 'miniprogram_app_id', so '\(Self.miniprogramPageParameter)' cannot be used",
                field: "params.\(Self.miniprogramPageParameter)")
        }
        if let url = message.url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            return .badRequest("'url' must be an http:// or https:// link", field: "url")
        }
        return nil
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        // The core checks before queueing, but settings may have changed since.
        if let problem = check(message) { throw problem }
        guard let token = context.accessToken else {
            throw .badRequest("no access token: the core fetches one through this channel's token step first")
        }
        var body: [String: JSONValue] = [
            "touser": .string(message.recipient),
            "template_id": .string(message.template ?? ""),
            "data": .object(
                message.params.filter { $0.key != Self.miniprogramPageParameter }
                    .mapValues { .object(["value": .string($0)]) }),
        ]
        if let url = message.url { body[api.linkKey] = .string(url) }
        if let miniprogramAppID {
            var miniprogram: [String: JSONValue] = ["appid": .string(miniprogramAppID)]
            if let page = message.params[Self.miniprogramPageParameter] ?? miniprogramPagePath {
                miniprogram["pagepath"] = .string(page)
            }
            body["miniprogram"] = .object(miniprogram)
        }
        if api == .template { body["client_msg_id"] = .string(message.id) }
        return VendorRequest(
            method: "POST",
            url: endpoint + api.path + "?access_token=" + Self.percentEncoded(token.reveal()),
            headers: [HTTPHeader("Content-Type", "application/json")],
            body: Array(JSONValue.object(body).serialized.utf8)
        )
    }

    // MARK: Token

    /// `POST /cgi-bin/stable_token` in normal mode (`force_refresh: false`), vendors.md §4.1 and
    /// https://developers.weixin.qq.com/doc/service/api/base/api_getstableaccesstoken. Chosen over the classic
    /// `GET /cgi-bin/token` because a classic fetch invalidates the token every other holder of the app id is
    /// using (a second gateway, a standby, the bank's other systems), while the stable token is shared: each
    /// caller gets the same token until the platform renews it. It also keeps the app secret out of the URL.
    func tokenStep(context: RequestContext) throws(MessageProblem) -> TokenStep {
        let body: JSONValue = .object([
            "grant_type": .string("client_credential"),
            "appid": .string(appID),
            "secret": .string(appSecret.reveal()),
            "force_refresh": .bool(false),
        ])
        return .fetch(
            VendorRequest(
                method: "POST",
                url: endpoint + "/cgi-bin/stable_token",
                headers: [HTTPHeader("Content-Type", "application/json")],
                body: Array(body.serialized.utf8)
            ))
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncoded(_ text: String) -> String {

        PercentEncoding.encode(text)

    }
}
