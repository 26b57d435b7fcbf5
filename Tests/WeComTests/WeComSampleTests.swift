import ChannelKit
import ChannelTesting
import ChannelWeCom
import Foundation
import GatewayConfig
import Testing

/// The documented sample: the README shows `sample.yaml` verbatim, and it loads through the real configuration
/// loader (YAML parser, `credential:` resolution, the `wecom` kind) into a working `app` instance.
struct WeComSampleTests {
    @Test func readmeYAMLBlockIsTheSample() throws {
        let readme = try fixtures.plugin("README.md")
        let sample = try fixtures.plugin("sample.yaml")
        #expect(!sample.isEmpty)
        #expect(Markdown.fencedBlock(in: readme) == sample)
        #expect(readme.components(separatedBy: "```yaml").count == 2, "exactly one yaml block")
    }

    @Test func sampleLoadsAndSends() throws {
        let loaded = try LoadedInstance(
            yaml: try fixtures.plugin("sample.yaml"), kinds: [WeComChannel.kind], instance: "wecom-staff", gateway: "",
            keyFiles: ["wecom_corp_secret": "sample-corp-secret\n"])
        defer { loaded.remove() }
        let result = loaded.result
        #expect(result.issues.isEmpty, "\(result.issues)")
        let channel = try #require(result.configuration?.channels.first)
        #expect(channel.kind == "wecom")
        #expect(channel.vendor == "app")
        let adapter = channel.adapter

        let step = try adapter.require((any AccessTokenProviding).self).tokenStep(context: fixedContext)
        guard case .fetch(let tokenRequest) = step else {
            Issue.record("the sample's app profile must fetch a token")
            return
        }
        #expect(
            tokenRequest.url
                == "https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1234567890abcdef&corpsecret=sample-corp-secret"
        )

        // msgtype auto: a url makes a text card with the sample's button; the duplicate check is 30 minutes.
        let card = OutboundMessage(
            id: "m-1", channel: "wecom-staff", recipient: "zhangsan", content: "本期应还 100.00 元", title: "账单",
            url: "https://bank.example/b")
        let request = try adapter.request(for: card, context: fixedContext)
        let body = try JSONParser.parse(request.body)
        #expect(body["msgtype"] == .string("textcard"))
        #expect(body["textcard"]?["btntxt"] == .string("详情"))
        #expect(body["agentid"] == .number("1000002"))
        #expect(body["duplicate_check_interval"] == .number("1800"))
        #expect(body["enable_duplicate_check"] == .number("1"))
        let text = OutboundMessage(id: "m-2", channel: "wecom-staff", recipient: "zhangsan", content: "hi")
        #expect(
            try JSONParser.parse(try adapter.request(for: text, context: fixedContext).body)["msgtype"]
                == .string("text"))
        #expect("\(adapter)" == "WeComChannel(instance: wecom-staff, vendor: app)")
    }
}
