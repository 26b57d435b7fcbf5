import ChannelKit
import Foundation

/// Rewrites the links of a message to `<public_base_url>/t/<token>` short links for click tracking.
///
/// Each link of each message gets its own token: 128 random bits, base64url, so tokens cannot be guessed or
/// enumerated. The rewrite happens before the adapter checks the message, so what is checked is what is sent.
struct LinkTracker: Sendable {
    /// A link and the token that stands for it.
    struct Link: Sendable, Hashable {
        var token: String
        var url: String
    }

    /// The public base URL of the listener's `/t/` route (no trailing slash).
    let baseURL: String

    init(baseURL: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// The message with every `http(s)://` link in its content, and its `url`, replaced by a tracked link.
    func rewrite(_ message: OutboundMessage, random: inout some RandomNumberGenerator) -> (
        OutboundMessage, [Link]
    ) {
        var links: [Link] = []
        var rewritten = message
        if let content = message.content {
            rewritten.content = Self.replacingLinks(in: content) { url in
                let link = Link(token: Self.token(&random), url: url)
                links.append(link)
                return baseURL + "/t/" + link.token
            }
        }
        if let url = message.url {
            let link = Link(token: Self.token(&random), url: url)
            links.append(link)
            rewritten.url = baseURL + "/t/" + link.token
        }
        return (rewritten, links)
    }

    /// `text` with each `http://` or `https://` link replaced by `replacement(link)`. A link runs to whitespace or
    /// a character that cannot end a URL in running text; trailing sentence punctuation is left outside it.
    static func replacingLinks(in text: String, _ replacement: (String) -> String) -> String {
        var output = ""
        var rest = Substring(text)
        while let start = firstLink(in: rest) {
            output += rest[..<start]
            var end = start
            while end < rest.endIndex, !stops(rest[end]) { end = rest.index(after: end) }
            while end > start, ".,;:!?)".contains(rest[rest.index(before: end)]) { end = rest.index(before: end) }
            output += replacement(String(rest[start..<end]))
            rest = rest[end...]
        }
        return output + rest
    }

    private static func firstLink(in text: Substring) -> Substring.Index? {
        var index = text.startIndex
        while let found = text[index...].range(of: "http") {
            let after = text[found.lowerBound...]
            if after.hasPrefix("http://") || after.hasPrefix("https://") { return found.lowerBound }
            index = found.upperBound
        }
        return nil
    }

    private static func stops(_ character: Character) -> Bool {
        character.isWhitespace || "\"<>'`，。！？；：、）】」".contains(character)
    }

    /// 128 random bits as 22 base64url characters.
    static func token(_ random: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var token = ""
        for _ in 0..<2 {
            var word: UInt64 = random.next()
            for _ in 0..<11 {
                token.append(alphabet[Int(word & 63)])
                word >>= 6
            }
        }
        return token
    }
}
