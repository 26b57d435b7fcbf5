import ChannelKit
import Testing

@testable import GatewayCore

/// Which parts of a text are links, and the tokens that replace them.
struct LinkTrackerTests {
    static func marked(_ text: String) -> String {
        LinkTracker.replacingLinks(in: text) { "<\($0)>" }
    }

    @Test func linksEndAtWhitespaceQuotesCJKPunctuationAndSentenceEnds() {
        #expect(Self.marked("见 https://a.example/x?y=1。谢谢") == "见 <https://a.example/x?y=1>。谢谢")
        #expect(
            Self.marked("see http://a.example/b, then https://c.example.")
                == "see <http://a.example/b>, then <https://c.example>.")
        #expect(Self.marked("(https://a.example/p)") == "(<https://a.example/p>)")
        #expect(Self.marked("【银行】点击https://a.example/q，详询") == "【银行】点击<https://a.example/q>，详询")
        #expect(Self.marked("no links, httpx://nope or http:/ bad") == "no links, httpx://nope or http:/ bad")
    }

    @Test func eachLinkGetsItsOwnUnguessableToken() {
        var random = SystemRandomNumberGenerator()
        let tracker = LinkTracker(baseURL: "https://t.example/")
        let message = OutboundMessage(
            id: "m1", channel: "sms", recipient: "13800138000", content: "a https://x.example b https://x.example",
            url: "https://deep.example/app")
        let (rewritten, links) = tracker.rewrite(message, random: &random)
        #expect(links.count == 3)
        #expect(Set(links.map(\.token)).count == 3)
        #expect(links.allSatisfy { $0.token.count == 22 })
        #expect(links.map(\.url) == ["https://x.example", "https://x.example", "https://deep.example/app"])
        #expect(rewritten.content == "a https://t.example/t/\(links[0].token) b https://t.example/t/\(links[1].token)")
        #expect(rewritten.url == "https://t.example/t/\(links[2].token)")
    }
}
