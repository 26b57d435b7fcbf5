import BuiltinChannels
import ChannelKit
import ChannelTesting
import Testing

/// Every registered channel kind and every vendor profile, held to the adapter contract (``ChannelConformance``):
/// unique names, a documented sample that loads through the real loader, unknown settings refused, deterministic
/// requests, and secrets that never surface in errors, reasons or descriptions.
struct ConformanceTests {
    /// A registered kind, its plugin folder and a message its sample instance can send.
    struct Sample: CustomTestStringConvertible, Sendable {
        let kind: String
        let plugin: String
        let message: OutboundMessage
        var testDescription: String { kind }

        /// The plugin's `sample.yaml` as a conformance subject.
        var subject: ConformanceSubject? {
            (try? fixtures.plugin(plugin, "sample.yaml")).map {
                ConformanceSubject(kind: kind, vendor: nil, yaml: $0, message: message)
            }
        }
    }

    static let samples: [Sample] = [
        Sample(kind: "loopback", plugin: "Loopback", message: message("u-1", content: "hello")),
        Sample(
            kind: "sms", plugin: "SMS", message: message("+8613800138000", template: "SMS_1", content: "验证码1234")),
        Sample(kind: "app_push", plugin: "AppPush", message: message("1a0018970a8c3a2f6b1", content: "您有一笔入账")),
        Sample(kind: "wecom", plugin: "WeCom", message: message("zhangsan", content: "客户经理提醒")),
        Sample(
            kind: "wechat_oa", plugin: "WeChatOA",
            message: message("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", template: "TM0001", params: ["amount": "100.00"])),
        Sample(
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

    /// Where each vendor profile's golden cases live (`Tests/<target>/Fixtures/<group>/`): the first send case of
    /// the group is the profile's instance and message.
    static let profileFixtures: [String: (target: String, group: String)] = [
        "sms/http": ("ChannelTests", "sms-http"), "sms/aliyun": ("ChannelTests", "sms-aliyun"),
        "sms/tencent": ("ChannelTests", "sms-tencent"),
        "app_push/apns": ("AppPushTests", "apns"), "app_push/fcm": ("AppPushTests", "fcm"),
        "app_push/jpush": ("AppPushTests", "jpush"), "app_push/huawei": ("AppPushTests", "huawei"),
        "wecom/app": ("WeComTests", "app"), "wecom/external_contact": ("WeComTests", "external_contact"),
        "wecom/robot": ("WeComTests", "robot"),
        "wechat_oa/template": ("WeChatOATests", "template"), "wechat_oa/subscribe": ("WeChatOATests", "subscribe"),
        "call_queue/aliyun_vms": ("CallQueueTests", "aliyun_vms"), "call_queue/http": ("CallQueueTests", "http"),
    ]

    /// Every vendor profile of every kind, set up from its golden cases.
    static let profiles: [ConformanceSubject] = BuiltinChannels.kinds.flatMap { kind in
        kind.vendors.compactMap { vendor -> ConformanceSubject? in
            guard let place = profileFixtures["\(kind.name)/\(vendor)"] else { return nil }
            let folder = fixtures.sibling(place.target)
            return (try? ConformanceSubject(kind: kind.name, vendor: vendor, fixtures: folder, group: place.group))
                ?? nil
        }
    }

    /// Each kind's documented sample, then every vendor profile.
    static let subjects: [ConformanceSubject] = samples.compactMap(\.subject) + profiles

    /// The subjects with no credential to leak: the loopback kind and the generic `http` profiles.
    static let credentialFree: Set<String> = ["loopback", "sms", "sms/http", "call_queue/http"]

    static let conformance = ChannelConformance(kinds: BuiltinChannels.kinds)

    @Test func kindNamesAreUniqueAndEachHasAPluginFolder() throws {
        let names = BuiltinChannels.kinds.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(Set(names) == Set(Self.samples.map(\.kind)))
        for sample in Self.samples {
            #expect(!(try fixtures.plugin(sample.plugin, "README.md")).isEmpty)
        }
        #expect(Self.samples.allSatisfy { $0.subject != nil })
    }

    /// No profile escapes the suite: each one `vendor:` may name has a subject.
    @Test func everyVendorProfileIsASubject() {
        let all = BuiltinChannels.kinds.flatMap { kind in kind.vendors.map { "\(kind.name)/\($0)" } }
        #expect(Set(Self.profiles.map(\.testDescription)) == Set(all))
        #expect(Self.profiles.count == all.count)
    }

    @Test(arguments: samples)
    func readmeYAMLBlockIsTheSample(_ sample: Sample) throws {
        let readme = try fixtures.plugin(sample.plugin, "README.md")
        let yaml = try fixtures.plugin(sample.plugin, "sample.yaml")
        #expect(Markdown.fencedBlock(in: readme) == yaml)
    }

    @Test(arguments: subjects)
    func sampleLoadsThroughTheRealLoaderWithoutIssues(_ subject: ConformanceSubject) throws {
        try Self.conformance.loadsWithoutIssues(subject)
    }

    @Test(arguments: subjects)
    func unknownSettingsKeyIsRejected(_ subject: ConformanceSubject) throws {
        try Self.conformance.unknownSettingsKeyIsRejected(subject)
    }

    @Test(arguments: subjects)
    func sameInputGivesByteIdenticalRequests(_ subject: ConformanceSubject) throws {
        try Self.conformance.sameInputGivesByteIdenticalRequests(subject)
    }

    @Test(arguments: subjects)
    func secretsNeverSurfaceInDescriptionsProblemsOrReasons(_ subject: ConformanceSubject) throws {
        try Self.conformance.secretsNeverSurface(subject, credentialFree: Self.credentialFree)
    }
}
