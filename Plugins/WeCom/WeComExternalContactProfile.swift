import ChannelKit
import ChannelWeChatCrypto
import Crypto

/// `vendor: external_contact`: a group-send task to customers (external contacts),
/// `POST {endpoint}/cgi-bin/externalcontact/add_msg_template?access_token=…` (vendors.md §3.3;
/// https://developer.work.weixin.qq.com/document/path/92135; field limits from `binarywang/WxJava`
/// `WxCpMsgTemplate.java`).
///
/// The address is an `external_userid`. The message's `content` is the text; a `url` adds one link attachment
/// titled by `title` (with `params.picurl` as its cover). WeCom answers with a task `msgid` and a `fail_list` of
/// customers it cannot send to; the sending member must still confirm the task in the client, and the results
/// are pulled later with `get_groupmsg_task` / `get_groupmsg_send_result` (see the README).
struct WeComExternalContactProfile: WeComCorpProfile {
    /// The keys `settings:` may hold.
    static let settingsKeys = ["corp_id", "corp_secret", "endpoint", "sender", "allow_select"] + WeComAPI.callbackKeys

    /// `external_userid` takes at most 10,000 customers.
    static let maximumRecipients = 10_000
    /// `text.content` takes at most 4000 bytes; a link's title 128 bytes and its url 2048 bytes.
    static let maximumContentBytes = 4000
    static let maximumTitleBytes = 128
    static let maximumURLBytes = 2048

    let endpoint: String
    let corpID: String
    let corpSecret: Secret
    /// How the app's callbacks are verified (`callback_token`, `callback_aes_key`); `nil` takes none.
    let callbackSecurity: WeChatCallbackSecurity?
    let sender: String?
    let allowSelect: Bool

    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        guard
            let settings = ConfigMap(
                WeComAPI.settingsNode(setup), context: "settings", keys: Self.settingsKeys, issues: issues)
        else { return nil }
        let corpID = settings.string("corp_id", required: true)
        let corpSecret = settings.secret("corp_secret", required: true)
        let endpoint = WeComAPI.endpoint(settings)
        let sender = settings.string("sender")
        if let sender, !WeComAPI.isUserID(sender) {
            settings.error("sender", "'sender' must be a member's WeCom UserID")
        }
        let allowSelect = settings.bool("allow_select") ?? false
        let callbackSecurity = WeComAPI.callbackSecurity(settings, corpID: corpID)
        guard issues.errorCount == errorsBefore, let corpID, let corpSecret else { return nil }
        self.endpoint = endpoint
        self.corpID = corpID
        self.corpSecret = corpSecret
        self.callbackSecurity = callbackSecurity
        self.sender = sender
        self.allowSelect = allowSelect
    }

    /// An `external_userid`: 1–64 bytes of letters, digits, `_` and `-` (WeCom issues ids like `wmXXXX…`).
    static func isExternalUserID(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { WeComAPI.isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        guard Self.isExternalUserID(message.recipient) else {
            return .invalidRecipient(
                "'\(message.recipient)' is not a WeCom external_userid (1 to 64 letters, digits, _ or -)")
        }
        if message.template != nil {
            return .badRequest("WeCom group sends take no template; send 'content'", field: "template")
        }
        let content = message.content ?? ""
        if content.isEmpty, message.url == nil {
            return .badRequest("a group send needs 'content', a 'url', or both", field: "content")
        }
        if let problem = WeComAPI.checkLength(
            content, max: Self.maximumContentBytes, field: "content", what: "the content")
        {
            return problem
        }
        guard let url = message.url else {
            if message.title != nil {
                return .badRequest("a 'title' titles the link: send it with a 'url'", field: "title")
            }
            return nil
        }
        guard let title = message.title, !title.isEmpty else {
            return .badRequest("a link attachment needs a 'title'", field: "title")
        }
        return WeComAPI.checkLength(title, max: Self.maximumTitleBytes, field: "title", what: "the title")
            ?? WeComAPI.checkLength(url, max: Self.maximumURLBytes, field: "url", what: "the url")
    }

    /// The request body without `external_userid`: what a batch's messages must share.
    func content(of message: OutboundMessage) -> [String: JSONValue] {
        var body: [String: JSONValue] = ["chat_type": .string("single")]
        if let sender { body["sender"] = .string(sender) }
        if allowSelect { body["allow_select"] = .bool(true) }
        if let content = message.content, !content.isEmpty {
            body["text"] = .object(["content": .string(content)])
        }
        if let url = message.url {
            var link: [String: JSONValue] = ["title": .string(message.title ?? ""), "url": .string(url)]
            if let picture = message.params["picurl"] { link["picurl"] = .string(picture) }
            body["attachments"] = .array([.object(["msgtype": .string("link"), "link": .object(link)])])
        }
        return body
    }

    // MARK: Requests

    var maxBatchSize: Int { Self.maximumRecipients }

    func batchKey(for message: OutboundMessage) -> String? {
        "external_contact:"
            + HexEncoding.lowercase(SHA256.hash(data: Array(JSONValue.object(content(of: message)).serialized.utf8)))
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
        body["external_userid"] = .array(messages.map { .string($0.recipient) })
        return VendorRequest(
            method: "POST",
            url: "\(endpoint)/cgi-bin/externalcontact/add_msg_template?access_token="
                + WeComAPI.percentEncoded(token),
            headers: WeComAPI.jsonHeaders,
            body: WeComAPI.body(.object(body))
        )
    }

    // MARK: Replies

    /// A failure of the whole request as one outcome, or a success as `.partial`: `accepted(msgid)` (the task id)
    /// for each customer except those in `fail_list`, which are rejected as invalid_recipient.
    func outcome(of response: VendorResponse, messages: [OutboundMessage]) -> SendOutcome {
        switch WeComAPI.read(response) {
        case .settled(let outcome): return outcome
        case .reply(let reply, let code):
            guard code == "0" else { return WeComAPI.failure(code, reply: reply) }
            let accepted = SendOutcome.accepted(vendorMessageID: reply["msgid"]?.scalarText)
            let failed = [(list: "fail_list", ids: WeComAPI.idSet(reply["fail_list"]))]
            return .partial(WeComAPI.perRecipient(messages, failed: failed, success: accepted))
        }
    }
}
