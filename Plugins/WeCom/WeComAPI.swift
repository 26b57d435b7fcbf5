import ChannelKit

/// What the WeCom profiles share: the public endpoint, the `gettoken` exchange, reading `{"errcode":…}` replies
/// and the error-code table (vendors.md §3.1, §3.6; https://developer.work.weixin.qq.com/document/path/90455).
///
/// Every WeCom server API answers JSON with `errcode` (0 is success) and `errmsg`, usually on HTTP 200, so a
/// reply is classified by `errcode`, never by `errmsg` text.
enum WeComAPI {
    /// WeCom's public API host.
    static let defaultEndpoint = "https://qyapi.weixin.qq.com"

    /// The longest `errmsg` kept in a ``Reason``: enough to read, bounded for logs and the store.
    static let maximumDetailLength = 200

    /// The JSON content type every WeCom POST carries.
    static let jsonHeaders = [HTTPHeader("Content-Type", "application/json")]

    // MARK: Settings

    /// Reads `endpoint` (default ``defaultEndpoint``): an http(s) base URL, kept without a trailing `/`.
    static func endpoint(_ settings: ConfigMap) -> String {
        guard let text = settings.string("endpoint") else { return defaultEndpoint }
        guard text.hasPrefix("https://") || text.hasPrefix("http://"), !text.contains("?"), !text.contains("#")
        else {
            settings.error("endpoint", "'endpoint' must be an http:// or https:// base URL without query")
            return defaultEndpoint
        }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }

    /// The settings as an empty mapping when `settings:` is absent, so each missing required key is named.
    static func settingsNode(_ setup: ChannelKind.Setup) -> ConfigNode {
        setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
    }

    // MARK: Access token (vendors.md §3.1; https://developer.work.weixin.qq.com/document/path/91039)

    /// `GET {endpoint}/cgi-bin/gettoken?corpid=…&corpsecret=…`.
    static func tokenRequest(endpoint: String, corpID: String, corpSecret: Secret) -> VendorRequest {
        VendorRequest(
            method: "GET",
            url: "\(endpoint)/cgi-bin/gettoken?corpid=\(percentEncoded(corpID))"
                + "&corpsecret=\(percentEncoded(corpSecret.reveal()))"
        )
    }

    /// Reads `{"errcode":0,"access_token":"…","expires_in":7200}`; the expiry counts from the context's time.
    static func token(from response: VendorResponse, context: RequestContext) -> TokenResult {
        let reply: JSONValue
        let code: String
        switch read(response) {
        case .settled(let outcome):
            switch outcome {
            case .retry(let reason, _), .reject(let reason): return .failed(reason)
            default: return .failed(Reason(.unknown, detail: "unexpected token reply"))
            }
        case .reply(let json, let errcode):
            (reply, code) = (json, errcode)
        }
        guard code == "0" else {
            return .failed(Reason(codes[code]?.category ?? .unknown, vendorCode: code, detail: detail(of: reply)))
        }
        guard let token = reply["access_token"]?.stringValue, !token.isEmpty,
            let seconds = reply["expires_in"]?.intValue, seconds > 0
        else {
            return .failed(Reason(.unknown, detail: "token reply without access_token or expires_in"))
        }
        let expiry = context.nowMilliseconds + Int64(seconds) * 1000
        return .issued(AccessToken(value: Secret(token), expiresAtMilliseconds: expiry))
    }

    /// The access token the core supplied, or a problem when it supplied none.
    static func accessToken(_ context: RequestContext) throws(MessageProblem) -> String {
        guard let token = context.accessToken else {
            throw .badRequest("no WeCom access token: the core must fetch one (tokenStep) before sending")
        }
        return token.reveal()
    }

    // MARK: Replies

    /// A reply read as far as the shared rules go.
    enum Read {
        /// The HTTP status or body already decides the outcome for the whole request.
        case settled(SendOutcome)
        /// A JSON object with an `errcode` (as text: `0`, `40014`, `-1`).
        case reply(JSONValue, errcode: String)
    }

    /// Applies the HTTP-level rules: 429 throttled, 5xx vendor_unavailable (both retried, honouring
    /// `Retry-After`), 401/403 auth_expired, other non-2xx rejected; an unreadable body or a missing `errcode`
    /// is retried as unknown, since nothing says the vendor refused it.
    static func read(_ response: VendorResponse) -> Read {
        let status = response.status
        let statusCode = "HTTP \(status)"
        if status == 429 {
            return .settled(.retry(Reason(.throttled, vendorCode: statusCode), after: response.retryAfter))
        }
        if (500...599).contains(status) {
            return .settled(.retry(Reason(.vendorUnavailable, vendorCode: statusCode), after: response.retryAfter))
        }
        if status == 401 || status == 403 {
            return .settled(.reject(Reason(.authExpired, vendorCode: statusCode)))
        }
        guard (200..<300).contains(status) else {
            return .settled(.reject(Reason(.unknown, vendorCode: statusCode)))
        }
        guard let reply = try? JSONParser.parse(response.body), case .object = reply else {
            return .settled(.retry(Reason(.unknown, detail: "unparsable reply")))
        }
        guard let code = reply["errcode"]?.scalarText else {
            return .settled(.retry(Reason(.unknown, detail: "reply without errcode")))
        }
        return .reply(reply, errcode: code)
    }

    /// The reply's `errmsg`, bounded.
    static func detail(of reply: JSONValue) -> String? {
        reply["errmsg"]?.scalarText.map { String($0.prefix(maximumDetailLength)) }
    }

    /// The outcome of a non-zero `errcode` for the whole request, from ``codes``; unmapped codes are retried as
    /// unknown (the vendor refused this attempt, so a retry cannot duplicate a message).
    static func failure(_ code: String, reply: JSONValue) -> SendOutcome {
        let reason = Reason(codes[code]?.category ?? .unknown, vendorCode: code, detail: detail(of: reply))
        guard let rule = codes[code] else { return .retry(reason) }
        return rule.retries ? .retry(reason) : .reject(reason)
    }

    /// The WeCom error codes the profiles classify, shown as a table in `Plugins/WeCom/README.md` (a test reads
    /// the table and checks every row against this). Meanings from the global code list
    /// (https://developer.work.weixin.qq.com/document/path/90455, mirrored in `binarywang/WxJava`
    /// `weixin-java-common/.../error/WxCpErrorMsgEnum.java`); retry classes from vendors.md §3.6.
    static let codes: VendorCodeTable = [
        // System busy: the doc suggests at most 3 retries.
        "-1": .retry(.vendorUnavailable),
        // Token problems: the core drops its token, fetches a new one and retries once.
        "40001": .retry(.authExpired),  // invalid secret (also seen as "invalid credential")
        "40014": .retry(.authExpired),  // invalid access_token
        "41001": .retry(.authExpired),  // access_token missing
        "42001": .retry(.authExpired),  // access_token expired
        // Credentials and configuration the operator must fix.
        "40013": .reject(.authExpired),  // invalid corpid
        "40056": .reject(.authExpired),  // invalid agentid (token of another app)
        "40091": .reject(.authExpired),  // secret of another corp
        "41002": .reject(.authExpired),  // corpid missing
        "41004": .reject(.authExpired),  // secret missing
        "48002": .reject(.authExpired),  // API not permitted for this app
        "48006": .reject(.authExpired),  // API permission withdrawn
        "50003": .reject(.authExpired),  // app disabled
        "60020": .reject(.authExpired),  // caller IP not in the app's trusted IPs
        "84074": .reject(.authExpired),  // no customer-contact permission
        "610004": .reject(.authExpired),  // sender not in the customer-contact scope
        "93000": .reject(.authExpired),  // robot webhook invalid, or robot removed from the group
        "93004": .reject(.authExpired),  // robot disabled
        "93008": .reject(.authExpired),  // robot not in the group
        // Rate limits.
        "45009": .retry(.throttled),  // API call frequency exceeded
        "45033": .retry(.throttled),  // API concurrency exceeded
        // Recipients.
        "40003": .reject(.invalidRecipient),  // invalid UserID
        "40031": .reject(.invalidRecipient),  // invalid UserID list
        "40096": .reject(.invalidRecipient),  // invalid external userid
        "41048": .reject(.invalidRecipient),  // no customer the task can be sent to
        "46004": .reject(.invalidRecipient),  // user does not exist
        "50002": .reject(.invalidRecipient),  // member outside the app's scope
        "60011": .reject(.invalidRecipient),  // no permission for the member/party/tag
        "60021": .reject(.invalidRecipient),  // userid outside the app's visible range
        "60111": .reject(.invalidRecipient),  // UserID does not exist
        "81013": .reject(.invalidRecipient),  // every user, party and tag invalid or out of scope
        "82001": .reject(.invalidRecipient),  // no member, party or tag given
        "84061": .reject(.invalidRecipient),  // no relation with the external contact
        "92000": .reject(.invalidRecipient),  // member outside the app's visible range
        // Content.
        "40008": .reject(.contentRejected),  // invalid msgtype
        "40033": .reject(.contentRejected),  // invalid characters
        "40039": .reject(.contentRejected),  // URL too long
        "40094": .reject(.contentRejected),  // invalid URL
        "41016": .reject(.contentRejected),  // title missing
        "41033": .reject(.contentRejected),  // description missing
        "41064": .reject(.contentRejected),  // attachment too large
        "41065": .reject(.contentRejected),  // invalid attachment type
        "44004": .reject(.contentRejected),  // text content empty
        "45002": .reject(.contentRejected),  // content too long
        "45008": .reject(.contentRejected),  // too many news articles
        "45034": .reject(.contentRejected),  // URL without http(s)://
        "82004": .reject(.contentRejected),  // content that may crash the client
        "85002": .reject(.contentRejected),  // forbidden words
    ]

    // MARK: Helpers

    /// The JSON body bytes (compact, keys sorted, so equal messages give equal bytes).
    static func body(_ json: JSONValue) -> [UInt8] { Array(json.serialized.utf8) }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncoded(_ text: String) -> String {

        PercentEncoding.encode(text)

    }

    /// A `|`-separated id list (`invaliduser`) as a set; ids compare case-insensitively, as WeCom's do.
    static func idSet(_ value: JSONValue?) -> Set<String> {
        switch value {
        case .string(let text):
            return Set(text.split(separator: "|").map { $0.lowercased() })
        case .array(let items):
            return Set(items.compactMap { $0.scalarText?.lowercased() })
        default:
            return []
        }
    }

    /// A WeCom member UserID: 1–64 bytes of letters, digits and `_-@.`, starting with a letter or digit
    /// (https://developer.work.weixin.qq.com/document/path/90195, `userid`).
    static func isUserID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy {
            isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "@")
                || $0 == UInt8(ascii: ".")
        }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default: false
        }
    }

    /// Checks a text field's UTF-8 length against the vendor's byte limit.
    static func checkLength(_ text: String, max: Int, field: String, what: String) -> MessageProblem? {
        let count = text.utf8.count
        guard count <= max else {
            return .badRequest("\(what) is \(count) bytes; WeCom takes at most \(max)", field: field)
        }
        return nil
    }

    /// A batch's messages all share `key`, are within `limit` and name distinct recipients.
    static func checkBatch(
        _ messages: [OutboundMessage], limit: Int, key: (OutboundMessage) -> String?
    ) throws(MessageProblem) {
        guard let first = messages.first else { throw .badRequest("an empty batch") }
        guard messages.count <= limit else {
            throw .badRequest("a batch of \(messages.count) messages; this vendor takes at most \(limit)")
        }
        let firstKey = key(first)
        guard messages.allSatisfy({ key($0) == firstKey }) else {
            throw .badRequest("the messages of a batch must have equal batch keys")
        }
        guard Set(messages.map(\.recipient)).count == messages.count else {
            throw .badRequest("the messages of a batch must have distinct recipients")
        }
    }

    /// One outcome per message: rejected (invalid_recipient) when the reply lists it in one of `failed` (by
    /// field name: `invaliduser`, `fail_list`, …), else `success`.
    static func perRecipient(
        _ messages: [OutboundMessage], failed: [(list: String, ids: Set<String>)], success: SendOutcome
    ) -> [RecipientOutcome] {
        messages.map { message in
            let id = message.recipient.lowercased()
            guard let list = failed.first(where: { $0.ids.contains(id) })?.list else {
                return RecipientOutcome(recipient: message.recipient, outcome: success)
            }
            let reason = Reason(.invalidRecipient, vendorCode: list, detail: "listed in the reply's \(list)")
            return RecipientOutcome(recipient: message.recipient, outcome: .reject(reason))
        }
    }
}
