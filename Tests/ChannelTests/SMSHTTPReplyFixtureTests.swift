import ChannelKit
import ChannelSMS
import ChannelTesting
import Testing

/// Golden customer-reply (MO) callbacks for the generic `http` SMS profile's `mo:` settings: one folder per case
/// under `Fixtures/sms-http-mo/`, each with `settings.json`, `callback.json`, `report.expected.json` and `SOURCE`.
struct SMSHTTPReplyFixtureTests {
    static let kind = "sms-http-mo"

    @Test("sms-http-mo golden case", arguments: fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        let report = try smsGoldenCases.callback(Self.kind, name, vendor: "http", shape: .replies)
        #expect(report?.receipts.isEmpty == true)
    }

    @Test func everyCaseRecordsItsVendorSource() throws {
        let names = fixtures.cases(Self.kind)
        #expect(names.count >= 2)
        for name in names {
            let source = try fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("https://"), "\(name)/SOURCE names no vendor document")
            #expect(source.contains("not by the code under test"), "\(name)/SOURCE names no oracle")
        }
    }

    /// The Alibaba case is what opt-out handling is built on: a documented SmsUp push carrying a `TD`.
    @Test func aliyunCaseIsTheDocumentedSmsUpPushWithAnOptOut() throws {
        let source = try fixtures.text(Self.kind, "aliyun-smsup", "SOURCE")
        #expect(source.contains("https://help.aliyun.com/zh/sms/developer-reference/smsup-http"))
        let callback = try fixtures.json(Self.kind, "aliyun-smsup", "callback.json")
        let body = try JSONParser.parse(try #require(callback["body"]?.stringValue))
        guard case .array(let items) = body else {
            Issue.record("the SmsUp push is a JSON array")
            return
        }
        let keys: Set<String> = ["phone_number", "send_time", "content", "sign_name", "dest_code", "sequence_id"]
        for case .object(let members) in items { #expect(Set(members.keys) == keys) }
        let texts = items.compactMap { $0["content"]?.stringValue }
        #expect(texts.contains("TD"))

        let expected = try fixtures.json(Self.kind, "aliyun-smsup", "report.expected.json")
        #expect(expected["answer"]?["body"]?.stringValue == #"{"code":0,"msg":"接收成功"}"#)
    }
}
