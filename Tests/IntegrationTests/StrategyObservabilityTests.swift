import ChannelKit
import Foundation
import Testing

/// What an operator sees of strategies on a real daemon: `health` says the engine is ready, `/metrics` carries
/// the strategy families (enrolments by result, overdue timers) and the page still passes `promtool`.
@Suite(.serialized)
struct StrategyObservabilityTests {
    static let nudge = """
        entry: once
        steps:
          - {id: pause, wait: 1h}
          - id: nudge
            send: {channel: sms-main, content: "hello"}
        """

    @Test(.enabled(if: ObservabilityTests.promtool != nil, "promtool is not installed"))
    func healthSaysStrategiesReadyAndTheMetricsPageWithStrategiesPassesPromtool() throws {
        let port = TestGateway.freePort()
        let fixture = try StrategyFixtures(
            strategies: ["nudge": Self.nudge], extra: "listen: 127.0.0.1:\(port)\n" + StrategyFixtures.affinity)
        try fixture.start()
        #expect(
            fixture.waitUntil(5) { fixture.request(#"{"op":"health"}"#)?["strategies"] == .string("ready") },
            "health: \(String(describing: fixture.request(#"{"op":"health"}"#)))")
        // The operator's one-line view says it too.
        let text = try StrategyCommandTests.gatewayctl(fixture, ["health"])
        #expect(text.status == 0 && text.output.contains("strategies: ready"), "\(text.output)")
        fixture.customer("c1", sms: "13800000001")
        #expect(fixture.enrol("nudge", "c1")?["ok"] == .bool(true))
        #expect(fixture.enrol("nudge", "c1", key: "again")?["ok"] == .bool(true))  // refused: the run is active
        #expect(fixture.enrol("no-such-strategy", "c1")?["ok"] == .bool(false))

        let page = try ObservabilityTests.get(port, "/metrics").body
        let prefix = "channel_gateway_strategy_enrolments_total"
        #expect(MetricsTests.value(page, prefix + #"{strategy="nudge",result="enrolled"}"#) == 1)
        #expect(MetricsTests.value(page, prefix + #"{strategy="nudge",result="active"}"#) == 1)
        #expect(MetricsTests.value(page, prefix + #"{strategy="unknown",result="unknown_strategy"}"#) == 1)
        #expect(MetricsTests.value(page, "channel_gateway_strategy_timers_overdue") == 0)
        let promtool = try #require(ObservabilityTests.promtool)
        let check = try ObservabilityTests.promtoolCheck(promtool, page)
        #expect(check.status == 0 && check.output.isEmpty, "promtool check metrics: \(check.output)")
    }
}
