import ChannelKit
import ChannelWeChatCrypto
import Crypto

/// `vendor: app`: an app message to members, `POST {endpoint}/cgi-bin/message/send?access_token=…`
/// (vendors.md §3.2; https://developer.work.weixin.qq.com/document/path/90236).
///
/// The address is a member UserID. Messages with equal content share one request (`touser` joined by `|`, up
/// to 1000); the reply's `invaliduser` and `unlicenseduser` name the members it could not reach.
struct WeComAppProfile: WeComCorpProfile {
    /// The `msgtype` setting: a fixed message type, or `auto` (a message with a `url` is a text card, any other
    /// is text).
    enum MessageType: String, Sendable, CaseIterable {
        case auto, text, textcard, markdown, news
    }

    /// The keys `settings:` may hold.
    static let settingsKeys =
        [
            "corp_id", "corp_secret", "agent_id", "endpoint", "msgtype", "button_text", "safe",
            "duplicate_check_interval",
        ] + WeComAPI.callbackKeys

    /// `touser` takes at most 1000 UserIDs.
    static let maximumRecipients = 1000

    /// Byte limits from the message/send doc: text and markdown content 2048, card and article titles 128,
    /// descriptions 512, links 2048.
    static let maximumContentBytes = 2048
    static let maximumTitleBytes = 128
    static let maximumDescriptionBytes = 512
    static let maximumURLBytes = 2048

    let endpoint: String
    let corpID: String
    let corpSecret: Secret
    /// How the app's callbacks are verified (`callback_token`, `callback_aes_key`); `nil` takes none.
    let callbackSecurity: WeChatCallbackSecurity?
    let agentID: Int
    let messageType: MessageType
    let buttonText: String?
    let safe: Bool
    /// `duplicate_check_interval` in seconds; `nil` leaves WeCom's duplicate check off.
    let duplicateCheckSeconds: Int?

    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        guard
            let settings = ConfigMap(
                WeComAPI.settingsNode(setup), context: "settings", keys: Self.settingsKeys, issues: issues)
        else { return nil }
        let corpID = settings.string("corp_id", required: true)
        let corpSecret = settings.secret("corp_secret", required: true)
        let agentID = settings.int("agent_id", in: 0...Int(Int32.max), required: true)
        let endpoint = WeComAPI.endpoint(settings)
        let messageType =
            settings.choice("msgtype", MessageType.allCases.map(\.rawValue)).flatMap(MessageType.init(rawValue:))
            ?? .auto
        let buttonText = settings.string("button_text")
        if let buttonText, buttonText.isEmpty || buttonText.count > 4 {
            settings.error("button_text", "'button_text' must be 1 to 4 characters (WeCom's btntxt)")
        }
        let safe = settings.bool("safe") ?? false
        if safe, messageType == .news {
            settings.error("safe", "WeCom refuses confidential (safe) news messages (errcode 40074)")
        }
        let interval = settings.duration("duplicate_check_interval", in: .seconds(1)...(.seconds(4 * 3600)))
        let callbackSecurity = WeComAPI.callbackSecurity(settings, corpID: corpID)
        guard issues.errorCount == errorsBefore, let corpID, let corpSecret, let agentID else { return nil }
        self.endpoint = endpoint
        self.corpID = corpID
        self.corpSecret = corpSecret
        self.callbackSecurity = callbackSecurity
        self.agentID = agentID
        self.messageType = messageType
        self.buttonText = buttonText
        self.safe = safe
        self.duplicateCheckSeconds = interval.map { Int($0.components.seconds) }
    }

    /// The type a message is sent as.
    func type(of message: OutboundMessage) -> MessageType {
        guard messageType == .auto else { return messageType }
        return message.url == nil ? .text : .textcard
    }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        if message.recipient == "@all" {
            return .invalidRecipient("'@all' would reach every member in the app's range; name one UserID")
        }
        guard WeComAPI.isUserID(message.recipient) else {
            return .invalidRecipient(
                "'\(message.recipient)' is not a WeCom UserID (1 to 64 letters, digits or _-@., starting with a "
                    + "letter or digit)")
        }
        if message.template != nil {
            return .badRequest("WeCom app messages take no template; send 'content'", field: "template")
        }
        let type = type(of: message)
        switch type {
        case .text, .markdown, .auto:
            guard let content = message.content, !content.isEmpty else {
                return .badRequest("a \(type.rawValue) message needs 'content'", field: "content")
            }
            if message.title != nil {
                return .badRequest("a \(type.rawValue) message has no title; put it in 'content'", field: "title")
            }
            if message.url != nil {
                return .badRequest("a \(type.rawValue) message has no link; put it in 'content'", field: "url")
            }
            return WeComAPI.checkLength(content, max: Self.maximumContentBytes, field: "content", what: "the content")
        case .textcard:
            guard let title = message.title, !title.isEmpty else {
                return .badRequest("a textcard message needs a 'title'", field: "title")
            }
            guard let content = message.content, !content.isEmpty else {
                return .badRequest("a textcard message needs 'content' (its description)", field: "content")
            }
            guard let url = message.url, !url.isEmpty else {
                return .badRequest("a textcard message needs a 'url'", field: "url")
            }
            return WeComAPI.checkLength(title, max: Self.maximumTitleBytes, field: "title", what: "the title")
                ?? WeComAPI.checkLength(
                    content, max: Self.maximumDescriptionBytes, field: "content", what: "the description")
                ?? WeComAPI.checkLength(url, max: Self.maximumURLBytes, field: "url", what: "the url")
        case .news:
            guard let title = message.title, !title.isEmpty else {
                return .badRequest("a news message needs a 'title'", field: "title")
            }
            guard let url = message.url, !url.isEmpty else {
                return .badRequest("a news message needs a 'url'", field: "url")
            }
            return WeComAPI.checkLength(title, max: Self.maximumTitleBytes, field: "title", what: "the title")
                ?? WeComAPI.checkLength(
                    message.content ?? "", max: Self.maximumDescriptionBytes, field: "content",
                    what: "the description")
                ?? WeComAPI.checkLength(url, max: Self.maximumURLBytes, field: "url", what: "the url")
        }
    }

    /// The request body without `touser`: what a batch's messages must share.
    func content(of message: OutboundMessage) -> [String: JSONValue] {
        let type = type(of: message)
        var body: [String: JSONValue] = [
            "msgtype": .string(type.rawValue),
            "agentid": .number(String(agentID)),
        ]
        switch type {
        case .text, .markdown, .auto:
            body[type.rawValue] = .object(["content": .string(message.content ?? "")])
        case .textcard:
            var card: [String: JSONValue] = [
                "title": .string(message.title ?? ""),
                "description": .string(message.content ?? ""),
                "url": .string(message.url ?? ""),
            ]
            if let buttonText { card["btntxt"] = .string(buttonText) }
            body["textcard"] = .object(card)
        case .news:
            var article: [String: JSONValue] = [
                "title": .string(message.title ?? ""), "url": .string(message.url ?? ""),
            ]
            if let content = message.content { article["description"] = .string(content) }
            if let picture = message.params["picurl"] { article["picurl"] = .string(picture) }
            body["news"] = .object(["articles": .array([.object(article)])])
        }
        if safe { body["safe"] = .number("1") }
        if let duplicateCheckSeconds {
            body["enable_duplicate_check"] = .number("1")
            body["duplicate_check_interval"] = .number(String(duplicateCheckSeconds))
        }
        return body
    }

    // MARK: Requests

    var maxBatchSize: Int { Self.maximumRecipients }

    func batchKey(for message: OutboundMessage) -> String? {
        "app:" + HexEncoding.lowercase(SHA256.hash(data: Array(JSONValue.object(content(of: message)).serialized.utf8)))
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        try request(for: [message], context: context)
    }

    func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem) -> VendorRequest {
        try WeComAPI.checkBatch(messages, limit: Self.maximumRecipients, key: batchKey(for:))
        for message in messages {
            if let problem = check(message) { throw problem }
        }
        let token = try WeComAPI.accessToken(context)
        var body = content(of: messages[0])
        body["touser"] = .string(messages.map(\.recipient).joined(separator: "|"))
        return VendorRequest(
            method: "POST",
            url: "\(endpoint)/cgi-bin/message/send?access_token=\(WeComAPI.percentEncoded(token))",
            headers: WeComAPI.jsonHeaders,
            body: WeComAPI.body(.object(body))
        )
    }

    // MARK: Replies

    /// A failure of the whole request as one outcome, or a success as `.partial`: `accepted(msgid)` for each
    /// member except those listed in `invaliduser` or `unlicenseduser`, which are rejected as invalid_recipient.
    func outcome(of response: VendorResponse, messages: [OutboundMessage]) -> SendOutcome {
        switch WeComAPI.read(response) {
        case .settled(let outcome): return outcome
        case .reply(let reply, let code):
            guard code == "0" else { return WeComAPI.failure(code, reply: reply) }
            let accepted = SendOutcome.accepted(vendorMessageID: reply["msgid"]?.scalarText)
            let failed = [
                (list: "invaliduser", ids: WeComAPI.idSet(reply["invaliduser"])),
                (list: "unlicenseduser", ids: WeComAPI.idSet(reply["unlicenseduser"])),
            ]
            return .partial(WeComAPI.perRecipient(messages, failed: failed, success: accepted))
        }
    }
}
