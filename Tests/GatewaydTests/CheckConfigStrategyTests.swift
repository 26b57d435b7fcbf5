import ChannelKit
import GatewayConfig
import GatewayJSON
import Testing

@testable import gatewayd

/// `check-config` names the strategies it loaded, in its summary line and in `--json`; their problems are
/// printed like every other configuration issue.
@Suite struct CheckConfigStrategyTests {
    private var configuration: GatewayConfiguration {
        var configuration = GatewayConfiguration()
        configuration.strategies = [
            StrategyDefinition(name: "first-loan", steps: [StrategyStep(id: "a", kind: .stop)], fingerprint: "ab12"),
            StrategyDefinition(
                name: "reactivation",
                steps: [StrategyStep(id: "a", kind: .wait(.duration(.seconds(1)))), StrategyStep(id: "b", kind: .stop)]),
        ]
        return configuration
    }

    @Test func theSummaryLineListsTheStrategies() {
        #expect(
            CheckConfig.summaryLine(configuration)
                == "configuration OK: no channels; 2 strategy(ies): first-loan (1 steps), reactivation (2 steps)")
        #expect(CheckConfig.summaryLine(GatewayConfiguration()) == "configuration OK: no channels")
    }

    @Test func theJSONSummaryListsTheStrategies() {
        let document = CheckConfig.document(ConfigLoadResult(configuration: configuration, issues: []))
        guard case .array(let strategies)? = document["summary"]?["strategies"] else {
            Issue.record("no strategies in \(document.serialized)")
            return
        }
        #expect(strategies.map { $0["name"]?.stringValue } == ["first-loan", "reactivation"])
        #expect(strategies.first?["fingerprint"]?.stringValue == "ab12")
        #expect(strategies.last?["steps"]?.intValue == 2)
    }
}
