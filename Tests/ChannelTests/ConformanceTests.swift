import BuiltinChannels
import ChannelKit
import Foundation
import GatewayConfig
import Testing

/// Every registered channel kind, held to the adapter contract: unique names, a documented sample that loads
/// through the real loader, unknown settings refused, deterministic requests, and secrets that never surface
/// in errors, reasons or descriptions.
struct ConformanceTests {
    /// A registered kind, its plugin folder and a message its sample instance can send.
    struct Subject: CustomTestStringConvertible, Sendable {
        let kind: String
        let plugin: String
        let message: OutboundMessage
        var testDescription: String { kind }
    }

    static let subjects: [Subject] = [
        Subject(kind: "loopback", plugin: "Loopback", message: message("u-1", content: "hello")),
        Subject(
            kind: "sms", plugin: "SMS", message: message("+8613800138000", template: "SMS_1", content: "验证码1234")),
        Subject(kind: "app_push", plugin: "AppPush", message: message("1a0018970a8c3a2f6b1", content: "您有一笔入账")),
        Subject(kind: "wecom", plugin: "WeCom", message: message("zhangsan", content: "客户经理提醒")),
        Subject(
            kind: "wechat_oa", plugin: "WeChatOA",
            message: message("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", template: "TM0001", params: ["amount": "100.00"])),
        Subject(
            kind: "call_queue", plugin: "CallQueue",
            message: message("+8613800138000", template: "TTS_10001", params: ["code": "1234"])),
    ]

    static func message(
        _ recipient: String, template: String? = nil, params: [String: String] = ["code": "1234"],
        content: String? = nil
    ) -> OutboundMessage {
        OutboundMessage(
            id: "01JD2Z8Q5N3R7T9V1X3Z5B7D9F", channel: "sample", recipient: recipient, template: template,
            params: params, content: content)
    }

    /// A sample instance written into a fresh configuration, with a credential file per `credential:NAME` it
    /// names, holding a value that is easy to search for.
    struct LoadedSample {
        let root: String
        let result: ConfigLoadResult
        let secrets: [String]

        init(_ subject: Subject, extraSettings: String = "") throws {
            root = NSTemporaryDirectory() + "cg-conformance-" + UUID().uuidString
            let credentials = root + "/credentials"
            try FileManager.default.createDirectory(atPath: root + "/channels.d", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
            var sample = try Fixtures.plugin(subject.plugin, "sample.yaml")
            if !extraSettings.isEmpty { sample += (sample.hasSuffix("\n") ? "" : "\n") + extraSettings }
            var secrets: [String] = []
            for match in sample.matches(of: #/credential:([A-Za-z0-9_.-]+)/#) {
                let value = "S3CRET-\(match.1)-\(UUID().uuidString.prefix(8))"
                try value.write(toFile: credentials + "/" + match.1, atomically: true, encoding: .utf8)
                secrets.append(value)
            }
            self.secrets = secrets
            try "log_level: info\n".write(toFile: root + "/gateway.yaml", atomically: true, encoding: .utf8)
            try sample.write(toFile: root + "/channels.d/sample.yaml", atomically: true, encoding: .utf8)
            result = ConfigLoader(kinds: BuiltinChannels.kinds, environment: [:], credentialsDirectory: credentials)
                .load(path: root + "/gateway.yaml")
        }

        var adapter: (any ChannelAdapter)? { result.configuration?.channels.first?.adapter }

        func remove() { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test func kindNamesAreUniqueAndEachHasAPluginFolder() throws {
        let names = BuiltinChannels.kinds.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(Set(names) == Set(Self.subjects.map(\.kind)))
        for subject in Self.subjects {
            #expect(!(try Fixtures.plugin(subject.plugin, "README.md")).isEmpty)
        }
    }

    @Test(arguments: subjects)
    func readmeYAMLBlockIsTheSample(_ subject: Subject) throws {
        let readme = try Fixtures.plugin(subject.plugin, "README.md")
        let sample = try Fixtures.plugin(subject.plugin, "sample.yaml")
        #expect(yamlBlock(in: readme) == sample)
    }

    @Test(arguments: subjects)
    func sampleLoadsThroughTheRealLoaderWithoutIssues(_ subject: Subject) throws {
        let loaded = try LoadedSample(subject)
        defer { loaded.remove() }
        #expect(loaded.result.issues.isEmpty, "\(loaded.result.issues.map(\.description))")
        #expect(loaded.result.configuration?.channels.first?.kind == subject.kind)
    }

    @Test(arguments: subjects)
    func unknownSettingsKeyIsRejected(_ subject: Subject) throws {
        let loaded = try LoadedSample(subject, extraSettings: "  zz_not_a_setting: 1\n")
        defer { loaded.remove() }
        #expect(loaded.result.configuration == nil)
        #expect(loaded.result.issues.contains { $0.message.contains("zz_not_a_setting") })
    }

    @Test(arguments: subjects)
    func sameInputGivesByteIdenticalRequests(_ subject: Subject) throws {
        let loaded = try LoadedSample(subject)
        defer { loaded.remove() }
        let adapter = try #require(loaded.adapter)
        #expect(adapter.check(subject.message) == nil, "\(String(describing: adapter.check(subject.message)))")
        let context = RequestContext(
            nowMilliseconds: 1_795_449_600_000, nonce: 0x5EED, attempt: 1, accessToken: Secret("ACCESS-TOKEN-1"))
        let first = try adapter.request(for: subject.message, context: context)
        let second = try adapter.request(for: subject.message, context: context)
        #expect(first == second)
        let tokenRequest = try adapter.tokenStep(context: context)
        #expect(tokenRequest == (try adapter.tokenStep(context: context)))
    }

    @Test(arguments: subjects)
    func secretsNeverSurfaceInDescriptionsProblemsOrReasons(_ subject: Subject) throws {
        let loaded = try LoadedSample(subject)
        defer { loaded.remove() }
        let adapter = try #require(loaded.adapter)
        // Every sample with credentials exercises this check (loopback and the http sample have none).
        #expect(!loaded.secrets.isEmpty || ["loopback", "sms"].contains(subject.kind))
        var texts = [String(describing: adapter), String(reflecting: adapter)]
        var dumped = ""
        dump(adapter, to: &dumped)
        texts.append(dumped)
        var broken = subject.message
        broken.recipient = "!"
        broken.template = nil
        broken.content = nil
        if let problem = adapter.check(broken) { texts.append(problem.message) }
        let context = RequestContext(nowMilliseconds: 1_795_449_600_000, nonce: 7, attempt: 1, accessToken: nil)
        do {
            _ = try adapter.request(for: broken, context: context)
        } catch {
            texts.append(error.message)
        }
        let request = VendorRequest(method: "POST", url: "https://vendor.invalid/")
        for reply in [
            VendorResponse(status: 500, body: Array("{}".utf8)),
            VendorResponse(status: 200, body: Array("nonsense".utf8)),
            VendorResponse(status: 401, body: Array(#"{"code":"AUTH","errcode":40001,"message":"bad"}"#.utf8)),
        ] {
            texts.append(String(describing: adapter.outcome(of: reply, to: request, message: subject.message)))
            texts.append(String(describing: adapter.token(from: reply, context: context)))
        }
        // A broken setting next to the secrets: the issues name the setting, never a secret's value.
        let misconfigured = try LoadedSample(subject, extraSettings: "  zz_not_a_setting: 1\n")
        defer { misconfigured.remove() }
        texts += misconfigured.result.issues.map(\.description)
        for secret in loaded.secrets + misconfigured.secrets {
            for text in texts { #expect(!text.contains(secret), "\(secret) leaked in: \(text)") }
        }
    }
}
