public import GatewayConfig
import Synchronization

extension ControlService {
    /// Takes the step order of the strategies now loaded (at start and on each reload).
    public func setStrategySteps(_ definitions: [StrategyDefinition]) {
        let order = Dictionary(
            definitions.map { ($0.name, $0.steps.map(\.id)) }, uniquingKeysWith: { first, _ in first })
        strategySteps.withLock { $0 = order }
    }
}
