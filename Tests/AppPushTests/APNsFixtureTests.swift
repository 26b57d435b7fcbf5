import ChannelKit
import Testing

@testable import ChannelAppPush

/// Golden cases for `vendor: apns`, one folder per case under `Fixtures/apns/` (written by its generate.py).
struct APNsFixtureTests {
    static let vendor = "apns"

    @Test("apns golden case", arguments: PushGolden.cases(vendor))
    func goldenCase(_ name: String) throws {
        let adapter = try PushGolden.adapter(Self.vendor, name)
        let message = PushGolden.message(try PushGolden.json(Self.vendor, name, "message.json"))
        #expect(adapter.check(message) == nil)
        let request = try adapter.request(for: message, context: pushGoldenContext)
        let expected = try PushGolden.json(Self.vendor, name, "request.expected.json")
        #expect(PushGolden.json(request) == expected, "got \(PushGolden.json(request).serialized)")

        guard PushGolden.exists(Self.vendor, name, "response.json") else { return }
        let response = PushGolden.response(try PushGolden.json(Self.vendor, name, "response.json"))
        let expectedOutcome = try PushGolden.json(Self.vendor, name, "outcome.expected.json")
        let outcome = PushGolden.json(adapter.outcome(of: response, to: request, message: message))
        #expect(PushGolden.comparable(outcome, to: expectedOutcome) == expectedOutcome, "got \(outcome.serialized)")
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = PushGolden.cases(Self.vendor)
        #expect(names.count >= 30)
        for name in names {
            #expect(try PushGolden.text(Self.vendor, name, "SOURCE").contains("developer.apple.com"), "\(name)")
        }
    }

    /// Every reason the adapter maps has a golden reply case (named `reply-<status>-<reason>`), so the table
    /// in the code and the generator's independent table are held against each other.
    @Test func everyMappedReasonHasAFixture() {
        let names = PushGolden.cases(Self.vendor)
        for reason in APNsProfile.reasons.keys.sorted() {
            #expect(names.contains { $0.hasPrefix("reply-") && $0.hasSuffix("-" + reason) }, "\(reason)")
        }
    }
}
