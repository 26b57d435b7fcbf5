import ChannelKit
import ChannelTesting
import Testing

@testable import ChannelAppPush

/// Golden cases for `vendor: apns`, one folder per case under `Fixtures/apns/` (written by its generate.py).
struct APNsFixtureTests {
    static let vendor = "apns"

    @Test("apns golden case", arguments: fixtures.cases(vendor))
    func goldenCase(_ name: String) throws {
        try pushGoldenCases.send(Self.vendor, name, vendor: Self.vendor)
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = fixtures.cases(Self.vendor)
        #expect(names.count >= 30)
        for name in names {
            #expect(try fixtures.text(Self.vendor, name, "SOURCE").contains("developer.apple.com"), "\(name)")
        }
    }

    /// Every reason the adapter maps has a golden reply case (named `reply-<status>-<reason>`), so the table
    /// in the code and the generator's independent table are held against each other.
    @Test func everyMappedReasonHasAFixture() {
        let names = fixtures.cases(Self.vendor)
        for reason in APNsProfile.reasons.keys.sorted() {
            #expect(names.contains { $0.hasPrefix("reply-") && $0.hasSuffix("-" + reason) }, "\(reason)")
        }
    }
}
