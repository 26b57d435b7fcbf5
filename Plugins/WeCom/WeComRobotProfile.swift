import ChannelKit

/// `vendor: robot`: a group robot, `POST {endpoint}/cgi-bin/webhook/send?key=…` (vendors.md §3.4;
/// https://developer.work.weixin.qq.com/document/path/91770). No token: the `key` secret in the URL is the
/// credential.
///
/// The robot (this instance) is the destination; the message's `recipient` says whom to mention:
/// - `@group`: post without mentioning anyone;
/// - `@all`: mention everyone;
/// - a comma-separated list of members: UserIDs, or `tel:` and a mobile number (`tel:13800138000`).
///
/// Mentions exist only in `text` messages; a `markdown` message takes `@group` (mention in the content with
/// `<@userid>`).
struct WeComRobotProfile: ChannelAdapter {
    /// The message type, fixed per instance.
    enum MessageType: String, Sendable, CaseIterable {
        case text, markdown

        /// Content limits: text 2048 bytes, markdown 4096 bytes (robot doc).
        var maximumContentBytes: Int {
            switch self {
            case .text: 2048
            case .markdown: 4096
            }
        }
    }

    /// The keys `settings:` may hold.
    static let settingsKeys = ["key", "endpoint", "msgtype"]

    /// The recipient that mentions nobody.
    static let noMention = "@group"
    /// The recipient (and list item) that mentions everyone.
    static let everyone = "@all"
    /// The prefix of a mobile-number mention.
    static let mobilePrefix = "tel:"

    let endpoint: String
    let key: Secret
    let messageType: MessageType

    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        guard
            let settings = ConfigMap(
                WeComAPI.settingsNode(setup), context: "settings", keys: Self.settingsKeys, issues: issues)
        else { return nil }
        let key = settings.secret("key", required: true)
        let endpoint = WeComAPI.endpoint(settings)
        let messageType =
            settings.choice("msgtype", MessageType.allCases.map(\.rawValue)).flatMap(MessageType.init(rawValue:))
            ?? .text
        guard issues.errorCount == errorsBefore, let key else { return nil }
        self.endpoint = endpoint
        self.key = key
        self.messageType = messageType
    }

    /// Whom a recipient mentions: UserIDs (and `@all`) and mobile numbers; `nil` if it is malformed.
    static func mentions(_ recipient: String) -> (users: [String], mobiles: [String])? {
        if recipient == noMention { return ([], []) }
        var users: [String] = []
        var mobiles: [String] = []
        for item in recipient.split(separator: ",", omittingEmptySubsequences: false) {
            let item = String(item)
            if item == everyone {
                users.append(item)
            } else if item.hasPrefix(mobilePrefix) {
                let number = item.dropFirst(mobilePrefix.count)
                guard (5...20).contains(number.utf8.count),
                    number.utf8.enumerated().allSatisfy({ offset, byte in
                        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                            || (offset == 0 && byte == UInt8(ascii: "+"))
                    })
                else { return nil }
                mobiles.append(String(number))
            } else if WeComAPI.isUserID(item) {
                users.append(item)
            } else {
                return nil
            }
        }
        return (users, mobiles)
    }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        guard let mentions = Self.mentions(message.recipient) else {
            return .invalidRecipient(
                "'\(message.recipient)' is not @group, @all or a comma-separated list of UserIDs and "
                    + "tel:NUMBER mentions")
        }
        if messageType == .markdown, !(mentions.users.isEmpty && mentions.mobiles.isEmpty) {
            return .invalidRecipient(
                "markdown robot messages cannot mention; send to @group and write <@userid> in the content")
        }
        if message.template != nil {
            return .badRequest("WeCom robots take no template; send 'content'", field: "template")
        }
        guard let content = message.content, !content.isEmpty else {
            return .badRequest("a robot message needs 'content'", field: "content")
        }
        if message.title != nil {
            return .badRequest("a robot message has no title; put it in 'content'", field: "title")
        }
        if message.url != nil {
            return .badRequest("a robot message has no link; put it in 'content'", field: "url")
        }
        return WeComAPI.checkLength(
            content, max: messageType.maximumContentBytes, field: "content", what: "the content")
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        if let problem = check(message) { throw problem }
        var inner: [String: JSONValue] = ["content": .string(message.content ?? "")]
        if let mentions = Self.mentions(message.recipient) {
            if !mentions.users.isEmpty { inner["mentioned_list"] = .array(mentions.users.map(JSONValue.string)) }
            if !mentions.mobiles.isEmpty {
                inner["mentioned_mobile_list"] = .array(mentions.mobiles.map(JSONValue.string))
            }
        }
        let body: JSONValue = .object([
            "msgtype": .string(messageType.rawValue),
            messageType.rawValue: .object(inner),
        ])
        return VendorRequest(
            method: "POST",
            url: "\(endpoint)/cgi-bin/webhook/send?key=\(WeComAPI.percentEncoded(key.reveal()))",
            headers: WeComAPI.jsonHeaders,
            body: WeComAPI.body(body)
        )
    }

    /// `errcode` 0 is accepted (robots return no message id); failures follow the shared table (45009, the
    /// 20-per-minute robot limit, is throttled; 93000/93004/93008 mean the key or robot is unusable).
    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        switch WeComAPI.read(response) {
        case .settled(let outcome): outcome
        case .reply(let reply, let code):
            code == "0" ? .accepted(vendorMessageID: nil) : WeComAPI.failure(code, reply: reply)
        }
    }
}
