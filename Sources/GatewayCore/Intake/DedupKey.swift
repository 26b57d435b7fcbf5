import ChannelKit
import Crypto

/// The dedup key of a message sent without one: a hash of what the customer would receive.
enum DedupKey {
    static func content(of message: OutboundMessage) -> String {
        var hasher = SHA256()
        // Title and url are hashed only when present, so keys of messages without them stay as they were.
        var parts = [message.channel, message.recipient, message.template ?? "", message.content ?? ""]
        if message.title != nil || message.url != nil { parts += [message.title ?? "", message.url ?? ""] }
        for part in parts {
            hasher.update(text: part)
            hasher.update(byte: 0)
        }
        for key in message.params.keys.sorted() {
            hasher.update(text: key)
            hasher.update(byte: 1)
            hasher.update(text: message.params[key]!)
            hasher.update(byte: 0)
        }
        return hasher.finalize().withUnsafeBytes { HexEncoding.lowercase($0, prefix: "h:") }
    }
}
