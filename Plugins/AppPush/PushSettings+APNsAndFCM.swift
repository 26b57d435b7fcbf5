import ChannelKit

// What the APNs and FCM profiles read alike, kept here so neither reaches into the other's statics.
extension PushSettings {
    /// The custom payload key carrying our message id, so the app can report opens against it.
    static let messageIDKey = "gateway_message_id"
    /// The custom payload key carrying the deep link (`message.url`).
    static let linkKey = "url"

    /// A base URL (`http://` or `https://`), without a trailing slash; the default when absent.
    static func endpoint(_ settings: ConfigMap, _ key: String, default value: String) -> String? {
        guard let text = settings.string(key) else { return value }
        guard text.hasPrefix("https://") || text.hasPrefix("http://"), !text.contains(where: { $0 == " " }) else {
            settings.error(key, "'\(key)' must be a URL starting with https:// or http://")
            return nil
        }
        var trimmed = Substring(text)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        return String(trimmed)
    }

    /// `params.badge`: the app icon badge, a whole number from 0 (clears it) to 99999.
    static func badge(_ message: OutboundMessage) throws(MessageProblem) -> Int? {
        guard let text = message.params["badge"] else { return nil }
        guard let value = Int(text), (0...99_999).contains(value), text.utf8.allSatisfy({ $0 != UInt8(ascii: "+") })
        else {
            throw .badRequest("'badge' must be a whole number from 0 to 99999", field: "params.badge")
        }
        return value
    }
}
