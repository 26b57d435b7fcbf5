import ChannelKit
import ChannelSMS
import ChannelTesting
import Foundation
import Testing

/// The `aliyun` and `tencent` files shown (commented) at the end of `Plugins/SMS/sample.yaml` load through the real
/// YAML parser and secret resolver, and send.
struct SMSAliyunAndTencentSampleTests {
    /// The lines after `# ---- channels.d/<file> ----` up to the next bare `#`, without their `# `.
    static func section(_ file: String) throws -> String {
        let lines = try fixtures.plugin("SMS", "sample.yaml").split(separator: "\n", omittingEmptySubsequences: false)
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
        let loaded = try YAMLInstance(
            try Self.section(file), kind: SMSChannel.kind, instance: "sms-sample", file: file,
            credentials: Dictionary(uniqueKeysWithValues: credentials.map { ($0, "value-of-\($0)\n") }))
        #expect(loaded.type == "sms")
        let vendor = try #require(loaded.vendor)
        #expect(loaded.issues.isEmpty, "\(loaded.issues)")
        let adapter = try #require(loaded.adapter)

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
