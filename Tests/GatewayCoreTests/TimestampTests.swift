import GatewayCore
import Testing

struct TimestampTests {
    @Test func formatsAndParsesRFC3339() {
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp.format(1_795_000_000_123) == "2026-11-18T11:06:40.123Z")
        #expect(Timestamp.parse("2026-11-18T11:06:40.123Z") == 1_795_000_000_123)
        #expect(Timestamp.parse("2026-11-18T19:06:40+08:00") == 1_795_000_000_000)
        #expect(Timestamp.parse("2024-02-29T00:00:00Z") == 1_709_164_800_000)
        #expect(Timestamp.parse("2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
    }

    @Test func messageIDsAreUniqueAndTimeOrdered() {
        let generator = MessageIDGenerator()
        let ids = (0..<10_000).map { generator.next(milliseconds: 1_795_000_000_000 + Int64($0)) }
        #expect(Set(ids).count == ids.count)
        #expect(ids == ids.sorted())
        #expect(ids.allSatisfy { $0.count == 27 && $0.hasPrefix("m") })
    }
}
