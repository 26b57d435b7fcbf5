import ChannelKit
import Foundation
import Testing

/// Timers live in the store: `kill -9` with 10,000 parked runs whose timers fall due while the daemon is down,
/// then a restart: every run advances exactly once (the vendor sees 10,000 distinct recipients, none twice).
@Suite(.serialized)
struct StrategyCrashTests {
    static let count = 10_000
    static let delayed = """
        steps:
          - {id: later, wait: 5s}
          - id: notice
            send: {channel: sms-main, content: "账户提醒 {{customer.n}}"}
        """

    static func phone(_ index: Int) -> String { "1390" + String(format: "%07d", index) }

    @Test(arguments: TestStore.allCases)
    func killNineWithTenThousandParkedRunsFiresEachExactlyOnceAfterRestart(store: TestStore) throws {
        let fixture = try StrategyFixtures(
            strategies: ["delayed": Self.delayed],
            extra: "max_pending_writes: 200000\nstrategies: { catch_up_rate: 5000 }\n" + store.yaml())
        try fixture.start()
        for first in stride(from: 0, to: Self.count, by: 1000) {
            let customers = (first..<first + 1000).map { index in
                #"{"customer":"k\#(index)","addresses":{"sms":"\#(Self.phone(index))"},"attributes":{"n":"\#(index)"}}"#
            }
            let answer = fixture.request(
                #"{"op":"customer_batch","customers":[\#(customers.joined(separator: ","))]}"#)
            #expect(StrategyFixtures.items(answer?["results"]).count == 1000, "\(answer?.serialized.prefix(300) ?? "")")
        }
        var enrolled = 0
        for first in stride(from: 0, to: Self.count, by: 1000) {
            let items = (first..<first + 1000).map { #"{"customer":"k\#($0)","enrol_key":"k\#($0)"}"# }
            let answer = fixture.request(
                #"{"op":"enrol_batch","strategy":"delayed","customers":[\#(items.joined(separator: ","))]}"#)
            enrolled += StrategyFixtures.items(answer?["results"]).filter { $0["state"] == .string("enrolled") }.count
        }
        let enrolledAt = Date()
        #expect(enrolled == Self.count)

        // Every enrolment answer followed its commit: kill now, while every run is parked on its 5 s wait.
        let sentBeforeKill = fixture.vendorRecord().count
        try #require(fixture.gateway.daemon).stop(signal: SIGKILL)
        let parkedFor = Date().timeIntervalSince(enrolledAt)
        #expect(sentBeforeKill == 0, "the enrolment took too long: timers fell due before the kill")
        // The timers fall due while the daemon is down.
        Thread.sleep(forTimeInterval: max(0, 6 - Date().timeIntervalSince(enrolledAt)))
        try fixture.start()

        let stats = try fixture.gateway.waitForVendor(unique: Self.count, timeout: 60)
        #expect(stats.unique == Self.count, "killed \(parkedFor) s after the enrolment")
        Thread.sleep(forTimeInterval: 1)  // anything fired twice would arrive now
        let record = fixture.vendorRecord()
        #expect(record.count == Self.count)
        let recipients = Set(record.compactMap { $0.body.firstMatch(of: #/"to":"(\d+)"/#).map { String($0.1) } })
        #expect(recipients.count == Self.count)
        #expect(try fixture.gateway.vendorStats().duplicates == 0)

        // Each run shows one send in its history and finished.
        for index in [0, 4_999, 9_999] {
            let run = fixture.run("k\(index)", strategy: "delayed")
            #expect(run?["state"] == .string("finished"), "\(run?.serialized ?? "no run")")
            #expect(StrategyFixtures.touches(run).count == 1)
        }
    }
}
