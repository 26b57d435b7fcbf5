import ChannelKit

/// What a push notification shows, read from a message the same way by every profile: `title`, `content` (the
/// body), `url` (the deep link) and `params.badge` (the badge count).
struct PushContent: Sendable, Hashable {
    /// The notification title, if the message has one.
    var title: String?
    /// The notification body.
    var body: String
    /// The deep link opened on tap, if any.
    var link: String?
    /// The badge count, if the message sets one.
    var badge: Int?

    /// The longest badge a message may set; vendors cap it well below `Int.max` (APNs and JPush take an int32).
    static let maximumBadge = 99_999

    /// Reads and checks a message's push fields.
    /// - Parameters:
    ///   - message: the message.
    ///   - titleRequired: whether the vendor needs a title (Huawei does).
    /// - Throws: ``MessageProblem`` naming the field at fault.
    init(_ message: OutboundMessage, titleRequired: Bool) throws(MessageProblem) {
        guard let body = message.content, !body.isEmpty else {
            throw .badRequest("a push needs a body: 'content' is required", field: "content")
        }
        if titleRequired, (message.title ?? "").isEmpty {
            throw .badRequest("this vendor needs a notification title: 'title' is required", field: "title")
        }
        if let link = message.url, link.isEmpty || link.unicodeScalars.contains(where: Self.isSpaceOrControl) {
            throw .badRequest("'url' must be a non-empty link without spaces", field: "url")
        }
        var badge: Int?
        if let text = message.params["badge"] {
            guard let value = Int(text), (0...Self.maximumBadge).contains(value) else {
                throw .badRequest(
                    "'params.badge' must be an integer from 0 to \(Self.maximumBadge)", field: "params.badge")
            }
            badge = value
        }
        self.title = message.title.flatMap { $0.isEmpty ? nil : $0 }
        self.body = body
        self.link = message.url
        self.badge = badge
    }

    /// Messages with equal keys show the same notification, so one request may carry them all.
    var batchKey: String {
        JSONValue.array([
            title.map(JSONValue.string) ?? .null, .string(body), link.map(JSONValue.string) ?? .null,
            badge.map { .number(String($0)) } ?? .null,
        ]).serialized
    }

    static func isSpaceOrControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value <= 0x20 || scalar.value == 0x7F || scalar.properties.isWhitespace
    }
}

/// Device-token checks shared by the profiles.
enum PushAddress {
    /// A device token or registration id: 1 to `maximumLength` visible ASCII characters, no spaces.
    static func problem(_ recipient: String, maximumLength: Int, name: String) -> MessageProblem? {
        let bytes = recipient.utf8
        guard !bytes.isEmpty, bytes.count <= maximumLength, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            return .invalidRecipient(
                "'\(String(recipient.prefix(80)))' is not \(name) (1 to \(maximumLength) visible ASCII characters)")
        }
        return nil
    }
}

/// Settings readers and encodings shared by the profiles.
enum PushSettings {
    /// An `http(s)://` base URL setting without query or fragment, trailing `/` removed; `fallback` when absent.
    static func baseURL(_ settings: ConfigMap, _ key: String, default fallback: String) -> String? {
        guard let scalar = settings.scalar(key) else { return fallback }
        var text = scalar.text
        guard text.hasPrefix("https://") || text.hasPrefix("http://"),
            !text.contains("?"), !text.contains("#"), !text.unicodeScalars.contains(where: PushContent.isSpaceOrControl)
        else {
            settings.error(key, "'\(key)' must be an http:// or https:// URL without query, e.g. \(fallback)")
            return nil
        }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// A setting that may be written inline or as a secret reference (an app key or id is not secret, but
    /// operators often keep it beside the secret).
    static func plainOrSecret(_ settings: ConfigMap, _ key: String, required: Bool) -> String? {
        guard let scalar = settings.scalar(key, required: required) else { return nil }
        return scalar.secret?.reveal() ?? scalar.text
    }

    /// A duration setting in whole seconds.
    static func seconds(_ settings: ConfigMap, _ key: String, maximumDays: Int) -> Int? {
        guard let duration = settings.duration(key, in: .zero ... .seconds(maximumDays * 86_400)) else { return nil }
        let (seconds, attoseconds) = duration.components
        if attoseconds != 0 {
            settings.error(key, "'\(key)' must be a whole number of seconds")
            return nil
        }
        return Int(seconds)
    }

    /// Standard base64 with padding (RFC 4648 §4).
    static func base64(_ bytes: some Sequence<UInt8>) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        let input = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let chunk = input[index..<min(index + 3, input.count)]
            var value: UInt32 = 0
            for (offset, byte) in chunk.enumerated() { value |= UInt32(byte) << (16 - 8 * UInt32(offset)) }
            for position in 0..<4 {
                if position <= chunk.count {
                    output.append(alphabet[Int((value >> (18 - 6 * UInt32(position))) & 0x3F)])
                } else {
                    output.append(UInt8(ascii: "="))
                }
            }
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `application/x-www-form-urlencoded` encoding of one name or value: unreserved characters kept, the rest
    /// percent-encoded as UTF-8 (space as `%20`, which every form decoder accepts).
    static func formEncoded(_ text: String) -> String {

        PercentEncoding.encode(text)

    }

    /// The longest vendor detail kept in a ``Reason``.
    static let maximumDetailLength = 200

    /// The same outcome for every message of a batch, as a `.partial`.
    static func same(_ outcome: SendOutcome, for messages: [OutboundMessage]) -> SendOutcome {
        .partial(messages.map { RecipientOutcome(recipient: $0.recipient, outcome: outcome) })
    }

    /// A vendor message cut to ``maximumDetailLength``.
    static func detail(_ text: String?) -> String? {
        text.map { String($0.prefix(maximumDetailLength)) }
    }
}
