import ChannelAppPush
import ChannelKit
import Foundation
import GatewayConfig
import Testing

/// `Plugins/AppPush/sample.yaml` (a JPush instance) is the README's yaml block, and it loads cleanly.
struct JPushSampleTests {
    @Test func readmeYAMLBlockIsTheSample() throws {
        let readme = try PushTestKit.plugin("README.md")
        let sample = try PushTestKit.plugin("sample.yaml")
        #expect(!sample.isEmpty)
        guard let start = readme.firstRange(of: "```yaml\n") else {
            Issue.record("README.md has no yaml block")
            return
        }
        let rest = readme[start.upperBound...]
        let end = try #require(rest.firstRange(of: "```"))
        #expect(String(rest[..<end.lowerBound]) == sample)
        #expect(readme.ranges(of: "```yaml").count == 1)
    }

    @Test func sampleDecodesAndValidates() throws {
        let sample = try PushTestKit.plugin("sample.yaml")
        let folder = FileManager.default.temporaryDirectory.appending(path: "push1-sample-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "sample-master-secret\n".write(
            to: folder.appending(path: "jpush_master_secret"), atomically: true, encoding: .utf8)

        let issues = ConfigIssueCollector()
        let parsed = try YAMLParser.parse(Array(sample.utf8), file: "push-jpush.yaml")
        let root = SecretResolver(environment: [:], credentialsDirectory: folder.path(percentEncoded: false))
            .resolve(parsed, issues: issues)
        guard case .mapping(let entries, _) = root else {
            Issue.record("sample.yaml is not a mapping")
            return
        }
        let value = { (key: String) in entries.first { $0.key.text == key }?.value }
        guard case .scalar(let type)? = value("type"), case .scalar(let vendor)? = value("vendor") else {
            Issue.record("sample.yaml lacks type or vendor")
            return
        }
        #expect(type.text == AppPushChannel.kind.name)
        #expect(AppPushChannel.kind.vendors.contains(vendor.text))
        let setup = ChannelKind.Setup(
            instance: "push-jpush", vendor: vendor.text, settings: value("settings"),
            mark: ConfigMark(file: "push-jpush.yaml", line: 1, column: 1))
        let adapter = try #require(AppPushChannel.kind.make(setup, issues))
        #expect(issues.issues.isEmpty, "\(issues.issues)")

        let message = OutboundMessage(
            id: "m-1", channel: "push-jpush", recipient: "1a0018970a9a2c5d", content: "入账 100.00 元", title: "示例银行")
        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: PushTestKit.context)
        #expect(request.url == "https://api.jpush.cn/v3/push")
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body.contains(#""options":{"apns_production":true,"time_to_live":86400}"#), "\(body)")
    }
}
