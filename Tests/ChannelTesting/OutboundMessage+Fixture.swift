public import ChannelKit

extension OutboundMessage {
    /// A message from a fixture's `message.json`: `id`, `channel`, `to`, `category` (default `transactional`),
    /// `template`, `params`, `content`, `title`, `url`.
    public init(fixture json: JSONValue) {
        var params: [String: String] = [:]
        if case .object(let members)? = json["params"] {
            for (key, value) in members { params[key] = value.scalarText }
        }
        self.init(
            id: json["id"]?.stringValue ?? "",
            channel: json["channel"]?.stringValue ?? "",
            recipient: json["to"]?.stringValue ?? "",
            category: json["category"]?.stringValue.flatMap(MessageCategory.init(name:)) ?? .transactional,
            template: json["template"]?.stringValue,
            params: params,
            content: json["content"]?.stringValue,
            title: json["title"]?.stringValue,
            url: json["url"]?.stringValue
        )
    }

    /// The messages of a fixture's `messages.json` (a list of `message.json` objects); none if it is no list.
    public static func fixtures(_ json: JSONValue) -> [OutboundMessage] {
        guard case .array(let items) = json else { return [] }
        return items.map(OutboundMessage.init(fixture:))
    }
}
