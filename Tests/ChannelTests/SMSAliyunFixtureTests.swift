import ChannelKit
import ChannelSMS
import Testing

/// Runs one golden case of a vendor SMS profile (`sms-aliyun`, `sms-tencent`): `settings.json`, then `message.json`
/// (one send) or `messages.json` (a batch), `request.expected.json`, and `response.json` with
/// `outcome.expected.json`. A batch's expected outcome is a list of `{recipient, outcome, …}`, in message order.
/// The cases are written by `Fixtures/generate-sms-aliyun-tencent.py`, which signs with Python's own hmac.
enum VendorGoldenCase {
    static func run(kind: String, vendor: String, name: String) throws {
        let settings = TestConfig.node(try Fixtures.json(kind, name, "settings.json"))
        let built = TestConfig.make(SMSChannel.kind, vendor: vendor, settings: settings, instance: kind)
        #expect(built.issues.isEmpty, "\(built.issues)")
        let adapter = try #require(built.adapter)

        let isBatch = Fixtures.exists(kind, name, "messages.json")
        var messages: [OutboundMessage] = []
        if isBatch {
            guard case .array(let items) = try Fixtures.json(kind, name, "messages.json") else {
                Issue.record("\(name)/messages.json is not an array")
                return
            }
            messages = items.map(OutboundMessage.init(fixture:))
            #expect(Set(messages.compactMap(adapter.batchKey(for:))).count == 1, "one batch key")
            #expect(messages.count <= adapter.maxBatchSize)
        } else {
            messages = [OutboundMessage(fixture: try Fixtures.json(kind, name, "message.json"))]
        }
        for message in messages { #expect(adapter.check(message) == nil, "\(message.id)") }

        let request =
            isBatch
            ? try adapter.request(for: messages, context: fixedContext)
            : try adapter.request(for: messages[0], context: fixedContext)
        let expectedRequest = try Fixtures.json(kind, name, "request.expected.json")
        #expect(request.fixtureJSON == expectedRequest, "got \(request.fixtureJSON.serialized)")

        let response = VendorResponse(fixture: try Fixtures.json(kind, name, "response.json"))
        let expectedOutcome = try Fixtures.json(kind, name, "outcome.expected.json")
        if isBatch {
            let outcome = adapter.outcome(of: response, to: request, messages: messages)
            guard case .partial(let outcomes) = outcome else {
                Issue.record("a batch outcome must be .partial, got \(outcome)")
                return
            }
            let json = JSONValue.array(
                outcomes.map { item in
                    guard case .object(var members) = item.outcome.fixtureJSON else { return .null }
                    members["recipient"] = .string(item.recipient)
                    return .object(members)
                })
            #expect(json == expectedOutcome, "got \(json.serialized)")
        } else {
            let outcome = adapter.outcome(of: response, to: request, message: messages[0])
            #expect(outcome.fixtureJSON == expectedOutcome, "got \(outcome.fixtureJSON.serialized)")
        }
    }

    /// Every `outcome/category` the cases of `kind` expect, single and batch.
    static func outcomeClasses(kind: String) throws -> Set<String> {
        var seen: Set<String> = []
        for name in Fixtures.cases(kind) {
            var outcomes = [try Fixtures.json(kind, name, "outcome.expected.json")]
            if case .array(let items) = outcomes[0] { outcomes = items }
            for outcome in outcomes {
                seen.insert(
                    [outcome["outcome"]?.stringValue, outcome["category"]?.stringValue].compactMap { $0 }
                        .joined(separator: "/"))
            }
        }
        return seen
    }
}

/// Golden cases for the `aliyun` profile: `Fixtures/sms-aliyun/<case>/`.
struct SMSAliyunFixtureTests {
    static let kind = "sms-aliyun"

    @Test("sms-aliyun golden case", arguments: Fixtures.cases(kind))
    func goldenCase(_ name: String) throws {
        try VendorGoldenCase.run(kind: Self.kind, vendor: "aliyun", name: name)
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = Fixtures.cases(Self.kind)
        #expect(names.count >= 12)
        for name in names {
            let source = try Fixtures.text(Self.kind, name, "SOURCE")
            #expect(source.contains("vendors.md 2.1") && source.contains("help.aliyun.com"), "\(name)/SOURCE")
        }
    }

    @Test func fixturesCoverEveryOutcomeClassAndBothActions() throws {
        let expected: Set<String> = [
            "accepted", "retry/throttled", "retry/vendor_unavailable", "retry/unknown", "reject/auth_expired",
            "reject/invalid_recipient", "reject/content_rejected", "reject/quota_exceeded", "reject/unknown",
        ]
        let seen = try VendorGoldenCase.outcomeClasses(kind: Self.kind)
        #expect(expected.isSubset(of: seen), "missing: \(expected.subtracting(seen).sorted())")
        var actions: Set<String> = []
        for name in Fixtures.cases(Self.kind) {
            let body = try Fixtures.json(Self.kind, name, "request.expected.json")["body"]?.stringValue ?? ""
            if body.contains("Action=SendSms&") { actions.insert("SendSms") }
            if body.contains("Action=SendBatchSms&") { actions.insert("SendBatchSms") }
        }
        #expect(actions == ["SendSms", "SendBatchSms"])
    }
}
