import ChannelKit
import ChannelSMS
import ChannelTesting
import GatewayConfig
import Testing

/// Customer replies (MO) read by the http profile's `mo:` settings; golden vendor cases are in
/// ``SMSHTTPReplyFixtureTests``.
struct SMSHTTPReplyTests {
    /// Alibaba SmsUp's fields.
    static let alibabaMO: JSONValue = .object([
        "from_path": .string("$.phone_number"), "text_path": .string("$.content"),
        "id_path": .string("$.sequence_id"), "time_path": .string("$.send_time"),
    ])

    /// ``alibabaMO`` with some keys replaced (`nil` removes a key).
    static func mo(_ changes: [String: JSONValue?]) -> JSONValue {
        guard case .object(var members) = alibabaMO else { fatalError("alibabaMO is an object") }
        for (key, value) in changes { members[key] = value }
        return .object(members)
    }

    static func adapter(mo: JSONValue? = alibabaMO) throws -> any CallbackParsing {
        try SMSHTTPProfileTests.adapter(["mo": mo]).require((any CallbackParsing).self)
    }

    static func callback(_ body: String) -> InboundCallback {
        InboundCallback(
            method: "POST", path: "", headers: [HTTPHeader("Content-Type", "application/json")],
            body: Array(body.utf8)
        )
    }

    static func replies(_ adapter: any CallbackParsing, _ body: String) throws -> [InboundReply] {
        try #require(try adapter.parseCallback(Self.callback(body))).replies
    }

    static let optOut = #"[{"phone_number":"13800138000","send_time":"2017-09-01 00:00:00","content":"TD"}]"#

    // MARK: Which instances take callbacks

    @Test func instanceWithoutMOTakesNoCallbacks() throws {
        for adapter in [
            try SMSHTTPProfileTests.adapter().require((any CallbackParsing).self), try Self.adapter(mo: nil),
        ] {
            #expect(try adapter.parseCallback(Self.callback(Self.optOut)) == nil)
            #expect(try adapter.parseCallback(Self.callback("not even JSON")) == nil)
        }
    }

    @Test func defaultAnswerIsAlibabas() throws {
        let report = try #require(try Self.adapter().parseCallback(Self.callback(Self.optOut)))
        #expect(
            report.answer
                == CallbackAnswer(status: 200, contentType: "application/json", body: #"{"code":0,"msg":"接收成功"}"#))
        #expect(report.receipts.isEmpty)
        #expect(
            report.replies == [InboundReply(from: "13800138000", text: "TD", receivedAtMilliseconds: 1_504_195_200_000)]
        )
    }

    @Test func configuredAnswerIsReturned() throws {
        let answer: JSONValue = .object([
            "status": .number("204"), "content_type": .string("text/plain; charset=utf-8"), "body": .string(""),
        ])
        let report = try #require(try Self.adapter(mo: Self.mo(["answer": answer])).parseCallback(Self.callback("[]")))
        #expect(report.answer == CallbackAnswer(status: 204, contentType: "text/plain; charset=utf-8", body: ""))
        #expect(report.replies.isEmpty)
    }

    // MARK: Bodies

    @Test(arguments: [
        ("", "the reply callback's body is not JSON"),
        ("<xml>13800138000</xml>", "the reply callback's body is not JSON"),
        (#"[{"phone_number":"13800138000","content":"TD"}"#, "the reply callback's body is not JSON"),
        (#""13800138000""#, "expected an array or an object of replies at $, found a string"),
        ("13800138000", "expected an array or an object of replies at $, found a number"),
        ("null", "expected an array or an object of replies at $, found null"),
        (#"[{"content":"TD"}]"#, "reply 1 of 1 has no sender (a string or number) at $.phone_number"),
        (#"[{"phone_number":true,"content":"TD"}]"#, "reply 1 of 1 has no sender"),
        (#"[{"phone_number":"","content":"TD"}]"#, "reply 1 of 1 has no sender"),
        (#"[{"phone_number":["13800138000"],"content":"TD"}]"#, "reply 1 of 1 has no sender"),
        (#"["13800138000"]"#, "reply 1 of 1 has no sender"),
        (
            #"[{"phone_number":"13800138000","content":"TD"},{"phone_number":"13800138000"}]"#,
            "reply 2 of 2 has no text (a string or number) at $.content"
        ),
        (#"[{"phone_number":"13800138000","content":null}]"#, "reply 1 of 1 has no text"),
        (#"[{"phone_number":"13800138000","content":{"text":"TD"}}]"#, "reply 1 of 1 has no text"),
    ])
    func malformedBodiesAreRefused(body: String, fragment: String) throws {
        let adapter = try Self.adapter()
        let problem = #expect(throws: MessageProblem.self) { try adapter.parseCallback(Self.callback(body)) }
        #expect(problem?.codeName == "bad_request")
        #expect(problem?.message.contains(fragment) == true, "\(String(describing: problem))")
        // Problems are logged and answered: they name positions and paths, never the customer's data or a secret.
        #expect(problem?.message.contains("13800138000") == false)
        #expect(problem?.message.contains(TestSettings.secretValue("sms_token")) == false)
    }

    @Test func itemsPathFindsTheReplies() throws {
        let adapter = try Self.adapter(mo: Self.mo(["items_path": .string("$.data.replies")]))
        let body =
            #"{"code":0,"data":{"replies":[{"phone_number":"13800138000","content":"R"},"#
            + #"{"phone_number":"13900000001","content":"退订","sequence_id":"a-2"}]}}"#
        #expect(
            try Self.replies(adapter, body) == [
                InboundReply(from: "13800138000", text: "R"),
                InboundReply(from: "13900000001", text: "退订", vendorReplyID: "a-2"),
            ])

        let single = #"{"data":{"replies":{"phone_number":"13800138000","content":"T"}}}"#
        #expect(try Self.replies(adapter, single) == [InboundReply(from: "13800138000", text: "T")])

        let problem = #expect(throws: MessageProblem.self) { try Self.replies(adapter, Self.optOut) }
        #expect(problem?.message == "no replies at $.data.replies in the reply callback's body")
    }

    @Test func numbersAreTakenAsTheirTextAndNumbersPassAsGiven() throws {
        let body =
            #"[{"phone_number":8613800138000,"content":1,"sequence_id":98765432109876543210},"#
            + #"{"phone_number":"+8613800138000","content":"  TD  "},{"phone_number":"13800138000","content":""}]"#
        #expect(
            try Self.replies(try Self.adapter(), body) == [
                InboundReply(from: "8613800138000", text: "1", vendorReplyID: "98765432109876543210"),
                InboundReply(from: "+8613800138000", text: "  TD  "),
                InboundReply(from: "13800138000", text: ""),
            ])
    }

    @Test func idAndTimeAreOptional() throws {
        let adapter = try Self.adapter(mo: Self.mo(["id_path": nil, "time_path": nil]))
        let body = #"[{"phone_number":"13800138000","send_time":"2017-09-01 00:00:00","content":"TD","sequence_id":7}]"#
        #expect(try Self.replies(adapter, body) == [InboundReply(from: "13800138000", text: "TD")])
        let unusable = #"[{"phone_number":"13800138000","content":"TD","sequence_id":{"n":7},"send_time":[]}]"#
        #expect(try Self.replies(try Self.adapter(), unusable) == [InboundReply(from: "13800138000", text: "TD")])
    }

    /// Reply times and their epoch milliseconds (`nil`: unreadable). Expected values computed with Python's
    /// datetime (strings read as UTC+8), not by the code under test.
    static let times: [(String, Int64?)] = [
        (#""1970-01-01 08:00:00""#, 0),
        (#""2017-09-01 00:00:00""#, 1_504_195_200_000),
        (#""2024-02-29 23:59:59""#, 1_709_222_399_000),
        (#""2000-03-01 00:00:00""#, 951_840_000_000),
        (#""2100-02-28 12:00:00""#, 4_107_470_400_000),
        (#""1969-12-31 23:59:59""#, -28_801_000),
        (#""9999-12-31 23:59:59""#, 253_402_271_999_000),
        ("1457336869", 1_457_336_869_000),
        (#""1457336869""#, 1_457_336_869_000),
        ("1457336869.25", 1_457_336_869_250),
        ("1457336869.2", 1_457_336_869_200),
        ("1457336869.123456", 1_457_336_869_123),
        ("0", 0),
        (#""2023-02-29 12:00:00""#, nil),
        (#""2100-02-29 00:00:00""#, nil),
        (#""2017-09-31 00:00:00""#, nil),
        (#""2017-09-01 24:00:00""#, nil),
        (#""2017-09-01 12:60:00""#, nil),
        (#""2017-09-01 12:00:60""#, nil),
        (#""2017-13-01 00:00:00""#, nil),
        (#""2017-09-00 00:00:00""#, nil),
        (#""2017-9-1 0:00:00""#, nil),
        (#""2017-09-01T00:00:00""#, nil),
        (#""2017-09-01 00:00:00+08:00""#, nil),
        (#""2017-09-01 0a:00:00""#, nil),
        (#""20170901000000""#, nil),
        (#""""#, nil),
        ("1457336869000", nil),
        ("-5", nil),
        ("1e9", nil),
        ("true", nil),
        ("null", nil),
    ]

    @Test(arguments: times)
    func replyTimes(time: String, expected: Int64?) throws {
        let body = #"[{"phone_number":"13800138000","content":"TD","send_time":"# + time + "}]"
        let replies = try Self.replies(try Self.adapter(), body)
        // An unreadable time loses the time, never the reply.
        #expect(replies == [InboundReply(from: "13800138000", text: "TD", receivedAtMilliseconds: expected)])
    }

    // MARK: Settings

    @Test(arguments: [
        (#"{"phone_path": "$.x"}"#, "unknown key 'phone_path' in 'mo'; expected one of: items_path, from_path"),
        (#"{"from_path": null}"#, "missing required key 'from_path' in 'mo'"),
        (#"{"text_path": null}"#, "missing required key 'text_path' in 'mo'"),
        (#"{"from_path": "$..phone"}"#, "invalid JSON path '$..phone' for 'from_path'"),
        (#"{"items_path": "$.a["}"#, "invalid JSON path '$.a[' for 'items_path'"),
        (#"{"answer": {"status": 200}}"#, "missing required key 'body' in 'answer'"),
        (#"{"answer": {"body": "{}", "code": 0}}"#, "unknown key 'code' in 'answer'"),
        (#"{"answer": {"status": 500, "body": "{}"}}"#, "'status' must be between 200 and 299, found 500"),
        (#"{"answer": {"body": "{\"code\":0,"}}"#, "'body' in 'answer' is not valid JSON"),
        (#"{"answer": {"body": "success"}}"#, "'body' in 'answer' is not valid JSON"),
        (#"{"answer": {"content_type": "text/plain\r\nX: 1", "body": "ok"}}"#, "'content_type' must be a media type"),
        (#"{"answer": {"body": "credential:answer"}}"#, "'body' in 'answer' cannot be a secret reference"),
        (#"{"answer": "success"}"#, "expected a mapping for 'answer'"),
    ])
    func badMOSettingsAreReported(changes: String, fragment: String) throws {
        guard case .object(let members) = try JSONParser.parse(changes) else { return }
        let mo = Self.mo(members.mapValues { $0 == .null ? nil : $0 })
        let issues = try SMSHTTPProfileTests.issues(["mo": mo])
        #expect(issues.contains { $0.message.contains(fragment) && $0.severity == .error }, "\(issues)")
    }

    @Test(arguments: [JSONValue.string("yes"), .array([.string("$.phone_number")])])
    func moMustBeAMapping(value: JSONValue) throws {
        let issues = try SMSHTTPProfileTests.issues(["mo": value])
        #expect(issues.contains { $0.message.hasPrefix("expected a mapping for 'mo'") }, "\(issues)")
    }

    // MARK: The documented sample

    /// `sample.yaml`, through the real YAML parser: its `mo:` takes an Alibaba SmsUp push and its content rules
    /// sign the text.
    @Test func sampleTakesRepliesAndSignsText() throws {
        let yaml = try fixtures.plugin("SMS", "sample.yaml")
        let root = try YAMLParser.parse(Array(yaml.utf8), file: "sample.yaml")
        guard case .mapping(let entries, _) = root else {
            Issue.record("sample.yaml is not a mapping")
            return
        }
        let settings = try #require(entries.first { $0.key.text == "settings" }?.value)
        let built = TestSettings.make(SMSChannel.kind, vendor: "http", settings: settings, instance: "sms-fake")
        #expect(built.issues.isEmpty, "\(built.issues)")
        let adapter = try #require(built.adapter).require((any CallbackParsing).self)

        let callback = try fixtures.json("sms-http-mo", "aliyun-smsup", "callback.json")
        let body = try #require(callback["body"]?.stringValue)
        let report = try #require(try adapter.parseCallback(Self.callback(body)))
        #expect(report.replies.map(\.text) == ["内容", "TD"])
        #expect(report.answer.body == #"{"code":0,"msg":"接收成功"}"#)

        let message = OutboundMessage(
            id: "m-1", channel: "sms-fake", recipient: "13800138000", category: .marketing, template: "SMS_001",
            params: ["code": "1"], content: "周六讲座"
        )
        let request = try adapter.request(for: message, context: fixedContext)
        #expect(String(decoding: request.body, as: UTF8.self).contains(#""content":"【示例银行】周六讲座拒收请回复R""#))
    }
}
