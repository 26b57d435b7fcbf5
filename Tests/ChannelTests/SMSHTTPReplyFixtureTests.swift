import ChannelKit
import ChannelSMS
import Testing

/// Golden customer-reply (MO) callbacks for the generic `http` SMS profile's `mo:` settings: one folder per case
/// under `Fixtures/sms-http-mo/`, each with `settings.json`, `callback.json`, `report.expected.json` and `SOURCE`.
struct SMSHTTPReplyFixtureTests {
    static let kind = "sms-http-mo"

    @Test("sms-http-mo golden case", arguments: Fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        let settings = TestConfig.node(try Fixtures.json(Self.kind, name, "settings.json"))
        let built = TestConfig.make(SMSChannel.kind, vendor: "http", settings: settings, instance: "sms-golden")
        #expect(built.issues.isEmpty, "\(built.issues)")
        let adapter = try #require(built.adapter)
        let callback = InboundCallback(fixture: try Fixtures.json(Self.kind, name, "callback.json"))

        let report = try #require(try adapter.parseCallback(callback))
        #expect(report.receipts.isEmpty)
        let expected = try Fixtures.json(Self.kind, name, "report.expected.json")
        #expect(report.fixtureJSON == expected, "got \(report.fixtureJSON.serialized)")
    }

    @Test func everyCaseRecordsItsVendorSource() throws {
        let names = Fixtures.cases(Self.kind)
        #expect(names.count >= 2)
        for name in names {
            let source = try Fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("https://"), "\(name)/SOURCE names no vendor document")
            #expect(source.contains("not by the code under test"), "\(name)/SOURCE names no oracle")
        }
    }

    /// The Alibaba case is what opt-out handling is built on: a documented SmsUp push carrying a `TD`.
    @Test func aliyunCaseIsTheDocumentedSmsUpPushWithAnOptOut() throws {
        let source = try Fixtures.text(Self.kind, "aliyun-smsup", "SOURCE")
        #expect(source.contains("https://help.aliyun.com/zh/sms/developer-reference/smsup-http"))
        let callback = try Fixtures.json(Self.kind, "aliyun-smsup", "callback.json")
        let body = try JSONParser.parse(try #require(callback["body"]?.stringValue))
        guard case .array(let items) = body else {
            Issue.record("the SmsUp push is a JSON array")
            return
        }
        let keys: Set<String> = ["phone_number", "send_time", "content", "sign_name", "dest_code", "sequence_id"]
        for case .object(let members) in items { #expect(Set(members.keys) == keys) }
        let texts = items.compactMap { $0["content"]?.stringValue }
        #expect(texts.contains("TD"))

        let expected = try Fixtures.json(Self.kind, "aliyun-smsup", "report.expected.json")
        #expect(expected["answer"]?["body"]?.stringValue == #"{"code":0,"msg":"接收成功"}"#)
    }
}
