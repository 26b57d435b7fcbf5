import ChannelKit
import ChannelTesting
import Testing

@testable import ChannelAppPush

/// Golden cases for `vendor: fcm`, one folder per case under `Fixtures/fcm/` (written by its generate.py):
/// sends (`message.json`) and token fetches (`token-response.json`).
struct FCMFixtureTests {
    static let vendor = "fcm"
    static var sendCases: [String] { fixtures.cases(vendor).filter { fixtures.exists(vendor, $0, "message.json") } }
    static var tokenCases: [String] {
        fixtures.cases(vendor).filter { fixtures.exists(vendor, $0, "token-response.json") }
    }

    @Test("fcm golden send", arguments: sendCases)
    func goldenSend(_ name: String) throws {
        try pushGoldenCases.send(Self.vendor, name, vendor: Self.vendor)
    }

    /// The token request, RS256 assertion included, byte for byte as Python's `cryptography` signed it with
    /// the same test key; then the reply read into a token or a failure.
    @Test("fcm golden token fetch", arguments: tokenCases)
    func goldenTokenFetch(_ name: String) throws {
        try pushGoldenCases.token(
            Self.vendor, name, vendor: Self.vendor, requestFile: "token-request.expected.json",
            responseFile: "token-response.json")
    }

    @Test func everyCaseRecordsItsSource() throws {
        let names = fixtures.cases(Self.vendor)
        #expect(Self.sendCases.count >= 20)
        #expect(Self.tokenCases.count >= 5)
        for name in names {
            let source = try fixtures.text(Self.vendor, name, "SOURCE")
            #expect(source.contains("firebase.google.com") || source.contains("developers.google.com"), "\(name)")
        }
    }

    /// Every errorCode and status the adapter maps has a golden reply case (`reply-<status>-<CODE>`).
    @Test func everyMappedCodeHasAFixture() {
        let names = fixtures.cases(Self.vendor)
        for code in Set(FCMProfile.errorCodes.keys).union(FCMProfile.statuses.keys).sorted() {
            #expect(names.contains { $0.hasPrefix("reply-") && $0.contains("-" + code) }, "\(code)")
        }
    }
}
