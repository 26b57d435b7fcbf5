import ChannelKit
import ChannelSMS
import ChannelTesting
import Testing

/// Golden cases for the `aliyun` profile: `Fixtures/sms-aliyun/<case>/`.
struct SMSAliyunFixtureTests {
    static let kind = "sms-aliyun"

    @Test("sms-aliyun golden case", arguments: fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        try smsGoldenCases.send(Self.kind, name, vendor: "aliyun")
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = fixtures.cases(Self.kind)
        #expect(names.count >= 12)
        for name in names {
            let source = try fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("vendors.md 2.1") && source.contains("help.aliyun.com"), "\(name)/SOURCE")
        }
    }

    @Test func fixturesCoverEveryOutcomeClassAndBothActions() throws {
        let expected: Set<String> = [
            "accepted", "retry/throttled", "retry/vendor_unavailable", "retry/unknown", "reject/auth_expired",
            "reject/invalid_recipient", "reject/content_rejected", "reject/quota_exceeded", "reject/unknown",
        ]
        let seen = try fixtures.outcomeClasses(Self.kind)
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
        var actions: Set<String> = []
        for name in fixtures.cases(Self.kind) {
            let body = try fixtures.json(Self.kind, name, "request.expected.json")["body"]?.stringValue ?? ""
            if body.contains("Action=SendSms&") { actions.insert("SendSms") }
            if body.contains("Action=SendBatchSms&") { actions.insert("SendBatchSms") }
        }
        #expect(actions == ["SendSms", "SendBatchSms"])
    }
}
