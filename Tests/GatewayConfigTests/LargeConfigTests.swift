import ChannelKit
import Foundation
import GatewayConfig
import Testing

/// A test adapter holding the `templates:` mapping its factory read.
struct CatalogAdapter: ChannelAdapter {
    var templates: [ConfigEntry]

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        VendorRequest(method: "POST", url: "http://vendor.example")
    }

    func outcome(of response: VendorResponse, to request: VendorRequest, message: OutboundMessage) -> SendOutcome {
        .accepted(vendorMessageID: nil)
    }
}

/// Files at the 1 MiB size limit load through the real loader, whole: a long list in `gateway.yaml` and a big
/// mapping in a channel's `settings:` (both shapes were quadratic to read).
@Suite struct LargeConfigTests {
    /// A kind `catalog` whose `settings:` holds one mapping of any keys, `templates:`.
    static let catalog = ChannelKind(name: "catalog") { setup, issues in
        guard let settings = setup.settings,
            let map = ConfigMap(settings, context: "settings", keys: ["templates"], issues: issues),
            case .mapping(let templates, _)? = map.node("templates")
        else { return nil }
        return CatalogAdapter(templates: templates)
    }

    /// Lines of `line(index)` after `header`, as many as fit in `limit` bytes.
    static func file(_ header: String, limit: Int, line: (Int) -> String) -> (text: String, count: Int) {
        var text = header
        var count = 0
        while true {
            let next = line(count + 1)
            guard text.utf8.count + next.utf8.count <= limit else { return (text, count) }
            text += next
            count += 1
        }
    }

    @Test func aListAndAMappingOfOneMebibyteEachLoadWhole() throws {
        let fixture = try ConfigFixture()
        defer { fixture.remove() }
        let limit = 1 << 20
        let list = Self.file("optout_keywords:\n", limit: limit) { "  - stop-\($0)\n" }
        let mapping = Self.file("type: catalog\nsettings:\n  templates:\n", limit: limit) {
            "    tpl-\($0): \"Your code is {{code}}; template \($0)\"\n"
        }
        try fixture.write("gateway.yaml", list.text)
        try fixture.write("channels.d/catalog.yaml", mapping.text)
        #expect(list.text.utf8.count > limit - 64 && mapping.text.utf8.count > limit - 128)

        let result = ConfigLoader(kinds: [Self.catalog], environment: [:], credentialsDirectory: nil)
            .load(path: fixture.path("gateway.yaml"))
        #expect(result.issues.isEmpty, "\(fixture.lines(result))")
        let configuration = try #require(result.configuration)
        let keywords = configuration.policy.optOutKeywords
        #expect(list.count > 50_000)
        #expect(keywords.count == list.count)
        #expect(keywords.last == "stop-\(list.count)")
        let templates = try #require((configuration.channels.first?.adapter as? CatalogAdapter)?.templates)
        #expect(mapping.count > 15_000)
        #expect(templates.count == mapping.count)
        #expect(templates.last?.key.text == "tpl-\(mapping.count)")
        guard case .scalar(let last)? = templates.last?.value else {
            Issue.record("expected a scalar template")
            return
        }
        #expect(last.text == "Your code is {{code}}; template \(mapping.count)" && last.isQuoted)
        #expect(last.mark.line == mapping.count + 3)
    }
}
