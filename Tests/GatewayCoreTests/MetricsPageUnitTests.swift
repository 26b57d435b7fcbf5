import ChannelKit
import Foundation
import Logging
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayStore

/// The exposition writer and the oldest-queued probe behind `/metrics`, without a daemon.
struct MetricsPageUnitTests {
    @Test func aFamilyDeclaredTwiceIsOneFamilyWithItsSamplesTogether() {
        var page = PrometheusText()
        page.family("a_total", .counter, "first help")
        page.sample("a_total", ["channel": "x"], 1)
        page.family("b", .gauge, "b help")
        page.family("a_total", .counter, "second help")
        page.sample("a_total", ["channel": "y"], 2)
        page.family("empty_total", .counter, "no samples yet")
        #expect(
            page.text == """
                # HELP a_total first help
                # TYPE a_total counter
                a_total{channel="x"} 1
                a_total{channel="y"} 2
                # HELP b b help
                # TYPE b gauge
                # HELP empty_total no samples yet
                # TYPE empty_total counter

                """)
    }

    @Test func labelValuesAndNumbersAreWrittenAsPrometheusReadsThem() {
        var page = PrometheusText()
        page.family("g", .gauge, "help with \\ and\nnewline")
        page.sample("g", ["v": "quote \" back \\ line\nend"], 0.25)
        page.sample("g", ["v": "big"], 1e20)
        page.sample("g", ["v": "nan"], .nan)
        page.sample("g", ["v": "inf"], .infinity)
        page.sample("g", ["v": "int"], 3.0)
        #expect(page.text.contains(#"# HELP g help with \\ and\nnewline"#))
        #expect(page.text.contains(#"g{v="quote \" back \\ line\nend"} 0.25"#))
        #expect(page.text.contains(#"g{v="big"} 1e+20"#))
        #expect(page.text.contains(#"g{v="nan"} NaN"#))
        #expect(page.text.contains(#"g{v="inf"} +Inf"#))
        #expect(page.text.contains(#"g{v="int"} 3"#) && !page.text.contains("3.0"))
    }

    @Test func oldestQueuedAgeComesFromTheLaneIndexPerPriority() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let (store, directory) = try MessageStoreTests.makeStore(window: .seconds(3600), clock: clock)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A marketing message first, a critical one 10 s later: the oldest is the marketing one, whatever its lane.
        for (index, category) in [MessageCategory.marketing, .critical].enumerated() {
            let done = DispatchSemaphore(value: 0)
            let message = OutboundMessage(
                id: "m\(index)", channel: "sms", recipient: "1380013800\(index)", category: category, template: "T")
            #expect(
                store.accept([
                    AcceptRequest(
                        message: message, channelType: "sms", dedupKey: "k:\(index)", clientDedupKey: nil,
                        notAfter: nil)
                ]) { _ in done.signal() })
            done.wait()
            clock.advance(milliseconds: 10_000)
        }
        let probe = QueueAgeProbe(store: store, clock: clock)
        let ages = probe.oldestAges(of: ["sms", "idle"])
        #expect(ages == ["sms": 20])
        clock.advance(milliseconds: 1_500)
        #expect(probe.oldestAges(of: ["sms"]) == ["sms": 21.5])

        // One index seek per lane: the plan must search messages_lane, never scan the table.
        let database = try store.readConnection()
        let plan = try database.prepare("EXPLAIN QUERY PLAN " + SQLiteStoreReader.oldestQueuedSQL)
        plan.bind(1, "sms")
        plan.bind(2, 0)
        var steps: [String] = []
        while try plan.step() { steps.append(plan.string(3) ?? "") }
        #expect(steps.contains { $0.contains("SEARCH messages USING INDEX messages_lane") }, "\(steps)")
        #expect(!steps.contains { $0.hasPrefix("SCAN") || $0.contains("TEMP B-TREE") }, "\(steps)")
        store.close()
    }

    @Test func processStatsReadThisProcess() throws {
        let stats = try #require(ProcessStats.current())
        #expect(stats.residentBytes > 1 << 20)
        #expect(stats.virtualBytes >= stats.residentBytes)
        #expect(stats.openDescriptors >= 3 && stats.openDescriptors <= stats.maxDescriptors)
        let now = Date().timeIntervalSince1970
        #expect(stats.startTimeSeconds > now - 86_400 && stats.startTimeSeconds <= now + 1)
        #expect(stats.cpuSeconds > 0)
    }
}
