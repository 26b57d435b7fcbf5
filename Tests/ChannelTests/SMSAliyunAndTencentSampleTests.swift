import ChannelKit
import ChannelSMS
import Foundation
import GatewayConfig
import Testing

/// The `aliyun` and `tencent` files shown (commented) at the end of `Plugins/SMS/sample.yaml` load through the real
/// YAML parser and secret resolver, and send.
struct SMSAliyunAndTencentSampleTests {
    /// The lines after `# ---- channels.d/<file> ----` up to the next bare `#`, without their `# `.
    static func section(_ file: String) throws -> String {
        let lines = try Fixtures.plugin("SMS", "sample.yaml").split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex { $0 == "# ---- channels.d/\(file) ----" }, "no section \(file)")
        var text = ""
        for line in lines[(start + 1)...] {
            guard line.hasPrefix("# ") else { break }
            text += line.dropFirst(2) + "\n"
        }
        return text
    }

    @Test(arguments: [
        ("sms-aliyun.yaml", ["aliyun_access_key_id", "aliyun_access_key_secret"], "https://dysmsapi.aliyuncs.com/"),
        ("sms-tencent.yaml", ["tencent_secret_id", "tencent_secret_key"], "https://sms.tencentcloudapi.com/"),
    ])
    func sampleLoadsAndSends(file: String, credentials: [String], url: String) throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "sms-sample-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in credentials {
            try Data("value-of-\(name)\n".utf8).write(to: directory.appending(path: name))
        }

        let root = try YAMLParser.parse(Array(try Self.section(file).utf8), file: file)
        guard case .mapping(let entries, _) = root else {
            Issue.record("\(file) is not a mapping")
            return
        }
        func text(_ key: String) -> String? {
            guard case .scalar(let scalar)? = entries.first(where: { $0.key.text == key })?.value else { return nil }
            return scalar.text
        }
        #expect(text("type") == "sms")
        let vendor = try #require(text("vendor"))
        let issues = ConfigIssueCollector()
        let settings = SecretResolver(environment: [:], credentialsDirectory: directory.path(percentEncoded: false))
            .resolve(try #require(entries.first { $0.key.text == "settings" }?.value), issues: issues)
        #expect(issues.issues.isEmpty, "\(issues.issues)")
        let built = TestConfig.make(SMSChannel.kind, vendor: vendor, settings: settings, instance: "sms-sample")
        #expect(built.issues.isEmpty, "\(built.issues)")
        let adapter = try #require(built.adapter)

        let message = OutboundMessage(
            id: "m-1", channel: "sms-sample", recipient: "13800138000",
            params: vendor == "tencent" ? ["1": "1234"] : [:])
        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: fixedContext)
        #expect(request.url == url)
        let wire = request.headers.map(\.value).joined() + String(decoding: request.body, as: UTF8.self)
        #expect(wire.contains("value-of-\(credentials[0])"))
        #expect(!wire.contains("value-of-\(credentials[1])"))
    }
}
