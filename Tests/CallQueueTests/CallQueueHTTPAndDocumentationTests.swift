import ChannelCallQueue
import ChannelKit
import ChannelTesting
import Foundation
import Testing

/// The `http` vendor (the SMS `http` profile reused) and the README and sample.
struct CallQueueHTTPAndDocumentationTests {
    static func httpSettings() throws -> [String: JSONValue] {
        guard case .object(let members) = try fixtures.json("http", "call-task-accepted", "settings.json") else {
            return [:]
        }
        return members
    }

    @Test(arguments: ["sign_name", "unsubscribe_suffix", "suffix_templates", "mo"])
    func smsOnlyKeysAreRefused(key: String) throws {
        var settings = try Self.httpSettings()
        settings[key] =
            key == "mo" ? .object(["from_path": .string("$.a"), "text_path": .string("$.b")]) : .string("x")
        let built = TestSettings.make(
            CallQueueChannel.kind, vendor: "http", settings: TestSettings.node(.object(settings)))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.hasPrefix("'\(key)' is an SMS setting") }, "\(built.issues)")
    }

    @Test func unknownHTTPKeyIsRejected() throws {
        var settings = try Self.httpSettings()
        settings["callback"] = .string("x")
        let built = TestSettings.make(
            CallQueueChannel.kind, vendor: "http", settings: TestSettings.node(.object(settings)))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.hasPrefix("unknown key 'callback' in 'settings'") })
    }

    @Test func httpSecretStaysOutOfDescriptions() throws {
        let settings = TestSettings.node(.object(try Self.httpSettings()))
        let adapter = try #require(TestSettings.make(CallQueueChannel.kind, vendor: "http", settings: settings).adapter)
        let message = OutboundMessage(fixture: try fixtures.json("http", "call-task-accepted", "message.json"))
        for text in visibleTexts(of: adapter) {
            #expect(!text.contains("test-secret"), "\(text)")
        }
        let first = try adapter.request(for: message, context: fixedContext)
        #expect(first == (try adapter.request(for: message, context: fixedContext)))
        #expect(first.headers.contains(HTTPHeader("Authorization", "test-secret-ccc_token")))
    }

    // MARK: README and sample

    /// A channel file's `settings:` through the real YAML parser and secret resolver, `credential:` references
    /// read from a temporary credentials directory.
    static func load(_ yaml: String, credentials: [String]) throws -> (
        vendor: String?, adapter: (any ChannelAdapter)?, issues: [ConfigIssue]
    ) {
        let loaded = try YAMLInstance(
            yaml, kind: CallQueueChannel.kind, instance: "call", file: "call.yaml",
            credentials: Dictionary(uniqueKeysWithValues: credentials.map { ($0, "value-of-\($0)\n") }))
        #expect(loaded.type == "call_queue")
        return (loaded.vendor, loaded.adapter, loaded.issues)
    }

    @Test func readmeYAMLBlockIsTheSample() throws {
        let sample = try fixtures.plugin("sample.yaml")
        let readme = try fixtures.plugin("README.md")
        #expect(!sample.isEmpty)
        #expect(Markdown.fencedBlock(in: readme) == sample)
        #expect(readme.components(separatedBy: "```yaml").count == 2, "exactly one yaml block")
    }

    @Test func sampleDecodesAndCalls() throws {
        let loaded = try Self.load(
            try fixtures.plugin("sample.yaml"), credentials: ["vms_access_key_id", "vms_access_key_secret"])
        #expect(loaded.vendor == "aliyun_vms")
        #expect(loaded.issues.isEmpty, "\(loaded.issues)")
        let adapter = try #require(loaded.adapter)
        let message = OutboundMessage(
            id: "m-1", channel: "call", recipient: "+8613800138000", params: ["amount": "100.00"])
        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: fixedContext)
        #expect(request.url == "https://dyvmsapi.aliyuncs.com/")
        #expect(String(decoding: request.body, as: UTF8.self).contains("AccessKeyId=value-of-vms_access_key_id&"))
    }

    /// The README's call-centre example (the block after `<!-- http example -->`) builds and sends.
    @Test func readmeHTTPExampleDecodesAndSends() throws {
        let readme = try fixtures.plugin("README.md")
        let marker = try #require(readme.firstRange(of: "<!-- http example -->"))
        let block = try #require(Markdown.fencedBlock(in: String(readme[marker.upperBound...]), fence: "```\n"))
        let loaded = try Self.load(block, credentials: ["ccc_token"])
        #expect(loaded.vendor == "http")
        #expect(loaded.issues.isEmpty, "\(loaded.issues)")
        let adapter = try #require(loaded.adapter)
        let message = OutboundMessage(
            id: "m-1", channel: "call", recipient: "13800138000", template: "overdue_reminder",
            params: ["amount": "100.00"])
        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: fixedContext)
        #expect(request.headers.contains(HTTPHeader("Authorization", "value-of-ccc_token")))
    }
}
