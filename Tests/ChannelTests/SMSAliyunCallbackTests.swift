import ChannelKit
import ChannelSMS
import ChannelTesting
import Foundation
import Testing

/// Runs one callback golden case of a vendor SMS profile (`sms-aliyun-callbacks`, `sms-tencent-callbacks`):
/// `settings.json` and `callback.json` in; `report.expected.json` (receipts, replies, answer) or, for a body the
/// adapter must refuse, `problem.expected.json` (`{code, message}`) out. The cases are written by
/// `Fixtures/generate-sms-callbacks.py`, with Python as the oracle.
enum SMSCallbackCase {
    static func adapter(kind: String, vendor: String, name: String) throws -> any CallbackParsing {
        try smsGoldenCases.adapter(kind, name, vendor: vendor).require((any CallbackParsing).self)
    }

    static func callback(kind: String, name: String) throws -> InboundCallback {
        InboundCallback(fixture: try fixtures.json(kind, name, "callback.json"))
    }

    static func isRefusal(kind: String, name: String) -> Bool { fixtures.exists(kind, name, "problem.expected.json") }

    static func run(kind: String, vendor: String, name: String) throws {
        try smsGoldenCases.callback(kind, name, vendor: vendor, shape: .receiptsAndReplies)
    }

    /// The refused cases' problems quote no string from the body (numbers, text, ids): checked against every string
    /// leaf of the body, or, for a body that is not JSON, every run of five or more digits.
    static func checkProblemsQuoteNothing(kind: String, vendor: String) throws {
        var refused = 0
        for name in fixtures.cases(kind) where isRefusal(kind: kind, name: name) {
            refused += 1
            let adapter = try adapter(kind: kind, vendor: vendor, name: name)
            let callback = try callback(kind: kind, name: name)
            let body = String(decoding: callback.body, as: UTF8.self)
            var quoted = digitRuns(body)
            if let json = try? JSONParser.parse(body) { quoted += stringLeaves(json) }
            #expect(!quoted.isEmpty, "\(name) has nothing to leak")
            let problem = #expect(throws: MessageProblem.self) { try adapter.parseCallback(callback) }
            let text = "\(String(describing: problem)) \(problem?.field ?? "")"
            for value in quoted { #expect(!text.contains(value), "\(name): problem quotes '\(value)'") }
        }
        #expect(refused >= 5)
    }

    static func stringLeaves(_ value: JSONValue) -> [String] {
        switch value {
        case .string(let text): text.count >= 3 ? [text] : []
        case .array(let items): items.flatMap(stringLeaves)
        case .object(let members): members.values.flatMap(stringLeaves)
        default: []
        }
    }

    static func digitRuns(_ text: String) -> [String] {
        text.split(whereSeparator: { !$0.isASCII || !$0.isNumber }).map(String.init).filter { $0.count >= 5 }
    }

    /// Every receipt of every report the cases of `kind` expect.
    static func expectedReceipts(kind: String) throws -> [JSONValue] {
        var receipts: [JSONValue] = []
        for name in fixtures.cases(kind) where !isRefusal(kind: kind, name: name) {
            if case .array(let items)? = try fixtures.json(kind, name, "report.expected.json")["receipts"] {
                receipts += items
            }
        }
        return receipts
    }

    /// The README's carrier-status table: `(status, category)` rows under `#### Carrier statuses in receipts`.
    static func readmeCarrierStatuses() throws -> [(status: String, category: String)] {
        let readme = try fixtures.plugin("SMS", "README.md")
        guard let start = readme.firstRange(of: "#### Carrier statuses in receipts") else { return [] }
        var rows: [(String, String)] = []
        for line in readme[start.upperBound...].split(separator: "\n").dropFirst() {
            if line.hasPrefix("#") { break }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard line.hasPrefix("| `"), cells.count == 3, cells[0].hasPrefix("`"), cells[2].hasPrefix("`") else {
                continue
            }
            rows.append((cells[0].trimmingCharacters(in: ["`"]), cells[2].trimmingCharacters(in: ["`"])))
        }
        return rows
    }
}

/// Delivery receipts (SmsReport) and customer replies (SmsUp) pushed by Alibaba Cloud SMS to the `aliyun` profile:
/// `Fixtures/sms-aliyun-callbacks/<case>/`.
struct SMSAliyunCallbackTests {
    static let kind = "sms-aliyun-callbacks"

    static func adapter() throws -> any CallbackParsing {
        try SMSCallbackCase.adapter(kind: kind, vendor: "aliyun", name: "smsreport-doc-sample")
    }

    static func callback(_ body: String) -> InboundCallback {
        InboundCallback(
            method: "POST", path: "", headers: [HTTPHeader("Content-Type", "application/json")],
            body: Array(body.utf8))
    }

    @Test("sms-aliyun-callbacks golden case", arguments: fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        try SMSCallbackCase.run(kind: Self.kind, vendor: "aliyun", name: name)
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = fixtures.cases(Self.kind)
        #expect(names.count >= 12)
        for name in names {
            let source = try fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("vendors.md 2.1.7") && source.contains("https://help.aliyun.com/"), "\(name)")
            #expect(source.contains("not by the code under test"), "\(name)")
        }
    }

    /// Both pushes are answered with Alibaba's contract, byte for byte.
    @Test func answersWithAlibabasContract() throws {
        let adapter = try Self.adapter()
        for body in [
            #"[{"phone_number":"13800138000","success":true,"biz_id":"1"}]"#, #"[{"phone_number":"1","content":"TD"}]"#,
        ] {
            let report = try #require(try adapter.parseCallback(Self.callback(body)))
            #expect(report.answer.status == 200)
            #expect(report.answer.contentType == "application/json")
            #expect(Array(report.answer.body.utf8) == Array(#"{"code":0,"msg":"接收成功"}"#.utf8))
        }
    }

    /// The documented samples keep their documented shape (the generator copied them verbatim).
    @Test func documentedSamplesHaveTheDocumentedFields() throws {
        let sample = try JSONParser.parse(SMSCallbackCase.callback(kind: Self.kind, name: "smsreport-doc-sample").body)
        let keys: Set<String> = [
            "phone_number", "send_time", "report_time", "success", "err_code", "err_msg", "sms_size", "biz_id",
            "out_id",
        ]
        guard case .array(let items) = sample, case .object(let members)? = items.first else {
            Issue.record("the SmsReport sample is an array of objects")
            return
        }
        #expect(Set(members.keys) == keys)
        let up = try JSONParser.parse(SMSCallbackCase.callback(kind: Self.kind, name: "smsup-td").body)
        let texts = (up.arrayItems ?? []).compactMap { $0["content"]?.stringValue }
        #expect(texts.contains("TD"))
    }

    /// Alibaba retries a push it did not hear `code` 0 for: a receipt pushed twice reads the same both times.
    @Test func duplicateReceiptReadsTheSameTwice() throws {
        let adapter = try SMSCallbackCase.adapter(kind: Self.kind, vendor: "aliyun", name: "smsreport-duplicate")
        let callback = try SMSCallbackCase.callback(kind: Self.kind, name: "smsreport-duplicate")
        let first = try #require(try adapter.parseCallback(callback))
        let second = try #require(try adapter.parseCallback(callback))
        #expect(first.receipts.count == 2)
        #expect(first.receipts[0] == first.receipts[1])
        #expect(first == second)
        #expect(first.receipts[0].event == .delivered && first.receipts[0].messageID == "m-dup")
    }

    /// Every carrier status the README lists is in a case, expected with the README's category; and every mapped
    /// category is reached.
    @Test func casesCoverTheReadmeCarrierTable() throws {
        let rows = try SMSCallbackCase.readmeCarrierStatuses()
        #expect(rows.count >= 14)
        let receipts = try SMSCallbackCase.expectedReceipts(kind: Self.kind)
        for row in rows {
            let matching = receipts.filter { $0["reason"]?["vendor_code"]?.stringValue == row.status }
            #expect(!matching.isEmpty, "no case for \(row.status)")
            for receipt in matching {
                #expect(receipt["reason"]?["category"]?.stringValue == row.category, "\(row.status)")
            }
        }
        let categories = Set(receipts.compactMap { $0["reason"]?["category"]?.stringValue })
        #expect(categories == ["invalid_recipient", "content_rejected", "throttled", "unknown"])
    }

    @Test func problemsNeverQuoteNumbersOrText() throws {
        try SMSCallbackCase.checkProblemsQuoteNothing(kind: Self.kind, vendor: "aliyun")
    }

    /// Should Alibaba ever echo the AccessKey in `err_msg`, it is redacted like a send reply's `Message`.
    @Test func aSecretInAReceiptIsRedacted() throws {
        let secretID = TestSettings.secretValue("aliyun_access_key_id")
        let secret = TestSettings.secretValue("aliyun_access_key_secret")
        let body =
            #"[{"phone_number":"13800138000","success":false,"biz_id":"1","err_code":"MK:0001","#
            + #""err_msg":"\#(secretID) \#(secret)"}]"#
        let report = try #require(try Self.adapter().parseCallback(Self.callback(body)))
        let text = String(describing: report)
        #expect(!text.contains(secretID) && !text.contains(secret), "\(text)")
        #expect(
            report.receipts.first?.event
                == .failed(Reason(.invalidRecipient, vendorCode: "MK:0001", detail: "<redacted> <redacted>")))
    }
}

extension JSONValue {
    /// The elements, if this is an array.
    fileprivate var arrayItems: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }
}
