import ChannelKit
import ChannelSMS
import ChannelTesting
import Testing

/// Status reports and customer replies pushed by Tencent Cloud SMS to the `tencent` profile:
/// `Fixtures/sms-tencent-callbacks/<case>/` (run by ``SMSCallbackCase``).
struct SMSTencentCallbackTests {
    static let kind = "sms-tencent-callbacks"

    static func adapter() throws -> any CallbackParsing {
        try SMSCallbackCase.adapter(kind: kind, vendor: "tencent", name: "report-doc-sample")
    }

    static func callback(_ body: String) -> InboundCallback {
        InboundCallback(method: "POST", path: "", body: Array(body.utf8))
    }

    @Test("sms-tencent-callbacks golden case", arguments: fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        try SMSCallbackCase.run(kind: Self.kind, vendor: "tencent", name: name)
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = fixtures.cases(Self.kind)
        #expect(names.count >= 10)
        for name in names {
            let source = try fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("vendors.md 2.2.6") && source.contains("https://cloud.tencent.com/"), "\(name)")
            #expect(source.contains("not by the code under test"), "\(name)")
        }
    }

    /// Both callbacks are answered with Tencent's contract, byte for byte.
    @Test func answersWithTencentsContract() throws {
        let adapter = try Self.adapter()
        let bodies = [
            #"[{"mobile":"13800138000","nationcode":"86","report_status":"SUCCESS","sid":"1"}]"#,
            #"{"mobile":"13800138000","nationcode":"86","text":"R","time":1}"#,
        ]
        for body in bodies {
            let report = try #require(try adapter.parseCallback(Self.callback(body)))
            #expect(report.answer.status == 200)
            #expect(report.answer.contentType == "application/json")
            #expect(Array(report.answer.body.utf8) == Array(#"{"result":0,"errmsg":"OK"}"#.utf8))
        }
    }

    /// A report pushed twice reads the same both times (the core de-duplicates).
    @Test func duplicateReceiptReadsTheSameTwice() throws {
        let adapter = try SMSCallbackCase.adapter(kind: Self.kind, vendor: "tencent", name: "report-duplicate")
        let callback = try SMSCallbackCase.callback(kind: Self.kind, name: "report-duplicate")
        let first = try #require(try adapter.parseCallback(callback))
        let second = try #require(try adapter.parseCallback(callback))
        #expect(first.receipts.count == 2)
        #expect(first.receipts[0] == first.receipts[1])
        #expect(first == second)
        #expect(first.receipts[0].vendorMessageID == "2640:dup" && first.receipts[0].messageID == nil)
    }

    /// Numbers are `+<nationcode><mobile>`; without a usable nationcode, or with a `+` already, `mobile` as sent.
    @Test(arguments: [
        (#""nationcode":"86","mobile":"13800138000""#, "+8613800138000"),
        (#""nationcode":"852","mobile":"91234567""#, "+85291234567"),
        (#""mobile":"13800138000""#, "13800138000"),
        (#""nationcode":"","mobile":"13800138000""#, "13800138000"),
        (#""nationcode":"+86","mobile":"13800138000""#, "13800138000"),
        (#""nationcode":"86","mobile":"+8613800138000""#, "+8613800138000"),
        (#""nationcode":86,"mobile":13800138000"#, "+8613800138000"),
    ])
    func numbersAreE164WhenTheNationCodeIsGiven(fields: String, expected: String) throws {
        let adapter = try Self.adapter()
        let receipt = try #require(
            try adapter.parseCallback(Self.callback(#"[{\#(fields),"report_status":"FAIL","sid":"s"}]"#))
        ).receipts.first
        #expect(receipt?.recipient == expected)
        let reply = try #require(try adapter.parseCallback(Self.callback(#"{\#(fields),"text":"TD"}"#))).replies.first
        #expect(reply?.from == expected)
        #expect(reply?.text == "TD" && reply?.receivedAtMilliseconds == nil)
    }

    /// The README's carrier table applies to Tencent's `errmsg` too: the cases expect the README's categories.
    @Test func casesFollowTheReadmeCarrierTable() throws {
        let table = Dictionary(uniqueKeysWithValues: try SMSCallbackCase.readmeCarrierStatuses().map { ($0, $1) })
        #expect(!table.isEmpty)
        var checked = 0
        for receipt in try SMSCallbackCase.expectedReceipts(kind: Self.kind) {
            guard let code = receipt["reason"]?["vendor_code"]?.stringValue else { continue }
            #expect(receipt["reason"]?["category"]?.stringValue == table[code] ?? "unknown", "\(code)")
            checked += 1
        }
        #expect(checked >= 6)
    }

    @Test func problemsNeverQuoteNumbersOrText() throws {
        try SMSCallbackCase.checkProblemsQuoteNothing(kind: Self.kind, vendor: "tencent")
    }

    /// Should Tencent ever echo the SecretId in `description`, it is redacted like a send reply's `Message`.
    @Test func aSecretInAReceiptIsRedacted() throws {
        let secretID = TestSettings.secretValue("tencent_secret_id")
        let secretKey = TestSettings.secretValue("tencent_secret_key")
        let body =
            #"[{"mobile":"13800138000","nationcode":"86","report_status":"FAIL","errmsg":"UNDELIV","#
            + #""description":"\#(secretID)/\#(secretKey)","sid":"1"}]"#
        let report = try #require(try Self.adapter().parseCallback(Self.callback(body)))
        let text = String(describing: report)
        #expect(!text.contains(secretID) && !text.contains(secretKey), "\(text)")
        #expect(
            report.receipts.first?.event
                == .failed(Reason(.invalidRecipient, vendorCode: "UNDELIV", detail: "<redacted>/<redacted>")))
    }
}
