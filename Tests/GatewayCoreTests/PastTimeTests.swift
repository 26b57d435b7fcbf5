import ChannelKit
import ControlProtocol
import Testing

@testable import GatewayCore

/// `since` of `report` and `subscribe`: one grammar, one parser.
struct PastTimeTests {
    static let now: Int64 = 1_795_000_000_000

    @Test func durationsCountBackFromNow() {
        #expect(PastTime.parse("24h", now: Self.now) == Self.now - 86_400_000)
        #expect(PastTime.parse("7d", now: Self.now) == Self.now - 7 * 86_400_000)
        #expect(PastTime.parse("1h30m", now: Self.now) == Self.now - 5_400_000)
        #expect(PastTime.parse("90s", now: Self.now) == Self.now - 90_000)
    }

    @Test func timesAndEpochMillisecondsAreTakenAsTheyAre() {
        #expect(PastTime.parse("2026-11-18T11:06:40.123Z", now: Self.now) == 1_795_000_000_123)
        #expect(PastTime.parse("2026-11-18T19:06:40+08:00", now: Self.now) == 1_795_000_000_000)
        #expect(PastTime.parse("1795000000000", now: Self.now) == 1_795_000_000_000)
    }

    @Test func anythingElseIsRefusedNamingAllThreeForms() throws {
        for text in ["yesterday", "", "-1h", "24 h", "2026-11-18", "1h ago"] {
            #expect(PastTime.parse(text, now: Self.now) == nil, "\(text)")
        }
        #expect(throws: ControlError.self) {
            try PastTime.read(.string("yesterday"), field: "since", now: Self.now)
        }
        do {
            _ = try PastTime.read(.bool(true), field: "since", now: Self.now)
            Issue.record("a boolean is not a time")
        } catch {
            #expect(error.codeName == "bad_request")
            #expect(error.message == "'since' must be \(PastTime.grammar)")
            #expect(error.message.contains("duration") && error.message.contains("RFC 3339"))
            #expect(error.message.contains("epoch milliseconds"))
        }
        #expect(try PastTime.read(.number("1795000000000"), field: "since", now: Self.now) == 1_795_000_000_000)
        #expect(try PastTime.read(nil, field: "since", now: Self.now) == nil)
    }
}
