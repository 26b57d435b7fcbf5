import ChannelAppPush
import ChannelKit
import ChannelTesting
import Foundation
import Testing

/// `Plugins/AppPush/sample.yaml` (a JPush instance) is the README's yaml block, and it loads cleanly.
struct JPushSampleTests {
    @Test func readmeYAMLBlockIsTheSample() throws {
        let readme = try fixtures.plugin("README.md")
        let sample = try fixtures.plugin("sample.yaml")
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
        let sample = try fixtures.plugin("sample.yaml")
        let loaded = try YAMLInstance(
            sample, kind: AppPushChannel.kind, instance: "push-jpush", file: "push-jpush.yaml",
            credentials: ["jpush_master_secret": "sample-master-secret\n"])
        #expect(loaded.type == AppPushChannel.kind.name)
        #expect(AppPushChannel.kind.vendors.contains(loaded.vendor ?? ""))
        let adapter = try #require(loaded.adapter)
        #expect(loaded.issues.isEmpty, "\(loaded.issues)")

        let message = OutboundMessage(
            id: "m-1", channel: "push-jpush", recipient: "1a0018970a9a2c5d", content: "入账 100.00 元", title: "示例银行")
        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: goldenContext)
        #expect(request.url == "https://api.jpush.cn/v3/push")
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body.contains(#""options":{"apns_production":true,"time_to_live":86400}"#), "\(body)")
    }
}
