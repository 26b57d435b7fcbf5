import BuiltinChannels
import ChannelKit
import ChannelTesting
import Testing

/// Which capabilities each vendor profile has, declared from its plugin README (and vendors.md), held against the
/// instance the real loader builds from the profile's golden settings (``profileFixtures``): a profile that loses
/// a conformance fails here by name, instead of reading as the core's fallback (no token, one message a request,
/// no polling, 404 for callbacks).
extension ConformanceTests {
    /// WeCom `app`/`external_contact` callbacks: both keys or neither (README "Callbacks"); the official sample's
    /// 43-character EncodingAESKey (vendors.md §3.5), which the profile checks at load.
    static let weComCallbacks = DeclaredCapabilities.SettingsSwitch(
        .callbackVerifier,
        settings: [
            "callback_token": .string("credential:cb_token"), "callback_aes_key": .string("credential:cb_aes_key"),
        ],
        keyFiles: ["cb_aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"])

    /// WeChat OA server-URL pushes: `callback_token` alone turns them on, in plain mode (README "Callbacks").
    static let weChatOACallbacks = DeclaredCapabilities.SettingsSwitch(
        .callbackVerifier, settings: ["callback_token": .string("credential:cb_token")])

    /// The capability table: for every kind without profiles and every `kind/vendor`, the exact capabilities with
    /// its golden settings (none of which name callback credentials; `sms/aliyun`'s name `template_code`), and the
    /// settings that switch a settings-dependent one.
    static let capabilityTable: [DeclaredCapabilities] = [
        // Echoes requests back: nothing optional.
        DeclaredCapabilities("loopback", []),
        // SMS README: customer replies (`mo:`) are parsed; without `mo:` the parser answers nil (404). No token,
        // batches, polling or signed callbacks.
        DeclaredCapabilities("sms/http", [.callbackParsing]),
        // SendBatchSms (100), QuerySendDetails (poll_receipts, root README), asking before a resend, SmsReport/SmsUp
        // callbacks (unsigned), and `template_code` as the default template.
        DeclaredCapabilities(
            "sms/aliyun", [.batching, .receiptPolling, .sendChecking, .callbackParsing, .hasDefaultTemplate],
            settingsSwitch: .init(.hasDefaultTemplate, settings: ["template_code": .string("SMS_100000001")])),
        // PhoneNumberSet batches (200) and the status-report/reply callbacks; PullSmsSendStatus is not used;
        // `template_id` as the default template (SMS README).
        DeclaredCapabilities(
            "sms/tencent", [.batching, .callbackParsing, .hasDefaultTemplate],
            settingsSwitch: .init(.hasDefaultTemplate, settings: ["template_id": .string("449739")])),
        // An ES256 provider token the adapter issues itself; no receipts.
        DeclaredCapabilities("app_push/apns", [.accessTokenProviding]),
        // A service-account OAuth token; no receipts.
        DeclaredCapabilities("app_push/fcm", [.accessTokenProviding]),
        // Batches of registration ids; no token (long-lived master secret), receipts not polled.
        DeclaredCapabilities("app_push/jpush", [.batching]),
        // Client-credentials token, batches of 1000 tokens, HMAC-checked receipt callbacks when `callback_key` and
        // `callback_username` are set (both or neither).
        DeclaredCapabilities(
            "app_push/huawei", [.accessTokenProviding, .batching, .callbackParsing, .callbackVerifying],
            settingsSwitch: .init(
                .callbackVerifier,
                settings: ["callback_key": .string("credential:hms_cb"), "callback_username": .string("gateway")])),
        // `gettoken`, batches (1000 members; 10,000 customers), encrypted callbacks with `callback_token` and
        // `callback_aes_key`.
        DeclaredCapabilities(
            "wecom/app", [.accessTokenProviding, .batching, .callbackParsing, .callbackVerifying],
            settingsSwitch: weComCallbacks),
        DeclaredCapabilities(
            "wecom/external_contact", [.accessTokenProviding, .batching, .callbackParsing, .callbackVerifying],
            settingsSwitch: weComCallbacks),
        // A webhook key: no token, batches or callbacks (always 404).
        DeclaredCapabilities("wecom/robot", []),
        // `stable_token`, and TEMPLATESENDJOBFINISH pushes checked with `callback_token` (`callback_aes_key` for safe
        // mode); one open id a request.
        DeclaredCapabilities(
            "wechat_oa/template", [.accessTokenProviding, .callbackParsing, .callbackVerifying],
            settingsSwitch: weChatOACallbacks),
        DeclaredCapabilities(
            "wechat_oa/subscribe", [.accessTokenProviding, .callbackParsing, .callbackVerifying],
            settingsSwitch: weChatOACallbacks),
        // One SingleCallByTts a message, VoiceReport callbacks (unsigned); `tts_code` as the default template
        // (CallQueue README).
        DeclaredCapabilities(
            "call_queue/aliyun_vms", [.callbackParsing, .hasDefaultTemplate],
            settingsSwitch: .init(.hasDefaultTemplate, settings: ["tts_code": .string("TTS_10001")])),
        // The SMS `http` profile itself, `mo:` refused: it parses no callback (404) but keeps the capability.
        DeclaredCapabilities("call_queue/http", [.callbackParsing]),
    ]

    /// Each subject the table covers: the samples of kinds without profiles, then every profile.
    static let capabilitySubjects: [ConformanceSubject] =
        samples.filter { sample in BuiltinChannels.kinds.contains { $0.name == sample.kind && $0.vendors.isEmpty } }
        .compactMap(\.subject) + profiles

    /// The row and subject of each profile, for the parameterized tests.
    static var declaredSubjects: [(DeclaredCapabilities, ConformanceSubject)] {
        capabilityTable.compactMap { row in
            capabilitySubjects.first { $0.testDescription == row.profile }.map { (row, $0) }
        }
    }

    /// A new kind or vendor must declare its capabilities: the table has exactly one row per kind without
    /// profiles and per `kind/vendor`, and each row has a subject.
    @Test func everyProfileHasACapabilityRow() {
        let all = BuiltinChannels.kinds.flatMap { kind in
            kind.vendors.isEmpty ? [kind.name] : kind.vendors.map { "\(kind.name)/\($0)" }
        }
        let rows = Self.capabilityTable.map(\.profile)
        #expect(Set(rows).count == rows.count, "duplicate rows in \(rows)")
        let undeclared = Set(all).subtracting(rows).sorted()
        let stale = Set(rows).subtracting(all).sorted()
        #expect(undeclared.isEmpty, "no capability row for \(undeclared)")
        #expect(stale.isEmpty, "capability rows for unknown profiles \(stale)")
        #expect(Self.declaredSubjects.count == Self.capabilityTable.count)
    }

    @Test(arguments: declaredSubjects)
    func profileHasExactlyTheDeclaredCapabilities(_ row: DeclaredCapabilities, _ subject: ConformanceSubject)
        throws
    {
        try Self.conformance.hasDeclaredCapabilities(subject, row.capabilities)
    }

    @Test(arguments: declaredSubjects.filter { $0.0.settingsSwitch != nil })
    func settingsDependentCapabilityFollowsItsSettings(_ row: DeclaredCapabilities, _ subject: ConformanceSubject)
        throws
    {
        try Self.conformance.followsSettingsSwitch(subject, row)
    }
}
