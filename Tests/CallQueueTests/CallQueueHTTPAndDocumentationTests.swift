import ChannelCallQueue
import ChannelKit
import Foundation
import GatewayConfig
import Testing

/// The `http` vendor (the SMS `http` profile reused) and the README and sample.
struct CallQueueHTTPAndDocumentationTests {
    static func httpSettings() throws -> [String: JSONValue] {
        guard case .object(let members) = try Fixtures.json("http", "call-task-accepted", "settings.json") else {
            return [:]
        }
        return members
    }

    @Test(arguments: ["sign_name", "unsubscribe_suffix", "suffix_templates", "mo"])
    func smsOnlyKeysAreRefused(key: String) throws {
        var settings = try Self.httpSettings()
        settings[key] =
            key == "mo" ? .object(["from_path": .string("$.a"), "text_path": .string("$.b")]) : .string("x")
        let built = TestConfig.make(CallQueueChannel.kind, vendor: "http", settings: TestConfig.node(.object(settings)))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.hasPrefix("'\(key)' is an SMS setting") }, "\(built.issues)")
    }

    @Test func unknownHTTPKeyIsRejected() throws {
        var settings = try Self.httpSettings()
        settings["callback"] = .string("x")
        let built = TestConfig.make(CallQueueChannel.kind, vendor: "http", settings: TestConfig.node(.object(settings)))
        #expect(built.adapter == nil)
        #expect(built.issues.contains { $0.message.hasPrefix("unknown key 'callback' in 'settings'") })
    }

    @Test func httpSecretStaysOutOfDescriptions() throws {
        let settings = TestConfig.node(.object(try Self.httpSettings()))
        let adapter = try #require(TestConfig.make(CallQueueChannel.kind, vendor: "http", settings: settings).adapter)
        let message = OutboundMessage(fixture: try Fixtures.json("http", "call-task-accepted", "message.json"))
        var dumped = ""
        dump(adapter, to: &dumped)
        for text in [String(describing: adapter), dumped] {
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
        let directory = FileManager.default.temporaryDirectory.appending(path: "call-queue-tests-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in credentials {
            try Data("value-of-\(name)\n".utf8).write(to: directory.appending(path: name))
        }
        let root = try YAMLParser.parse(Array(yaml.utf8), file: "call.yaml")
        guard case .mapping(let entries, _) = root else { return (nil, nil, []) }
        func text(_ key: String) -> String? {
            guard case .scalar(let scalar)? = entries.first(where: { $0.key.text == key })?.value else { return nil }
            return scalar.text
        }
        #expect(text("type") == "call_queue")
        let vendor = text("vendor")
        let issues = ConfigIssueCollector()
        let resolver = SecretResolver(environment: [:], credentialsDirectory: directory.path(percentEncoded: false))
        let settings = entries.first { $0.key.text == "settings" }.map { resolver.resolve($0.value, issues: issues) }
        let setup = ChannelKind.Setup(
            instance: "call", vendor: vendor, settings: settings,
            mark: ConfigMark(file: "call.yaml", line: 1, column: 1))
        let adapter = CallQueueChannel.kind.make(setup, issues)
        return (vendor, adapter, issues.issues)
    }

    @Test func readmeYAMLBlockIsTheSample() throws {
        let sample = try Fixtures.plugin("sample.yaml")
        let readme = try Fixtures.plugin("README.md")
        #expect(!sample.isEmpty)
        #expect(fencedBlock(in: readme) == sample)
        #expect(readme.components(separatedBy: "```yaml").count == 2, "exactly one yaml block")
    }

    @Test func sampleDecodesAndCalls() throws {
        let loaded = try Self.load(
            try Fixtures.plugin("sample.yaml"), credentials: ["vms_access_key_id", "vms_access_key_secret"])
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
        let readme = try Fixtures.plugin("README.md")
        let marker = try #require(readme.firstRange(of: "<!-- http example -->"))
        let block = try #require(fencedBlock(in: String(readme[marker.upperBound...]), fence: "```\n"))
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
