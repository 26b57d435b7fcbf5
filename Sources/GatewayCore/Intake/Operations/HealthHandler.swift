import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `health`: serving, degraded (an active, unpaused instance has only failed for a while) or draining.
enum HealthHandler {
    static func answer(id: JSONValue?, service: ControlService) -> String {
        let snapshot = service.dispatcher.snapshot()
        let active = service.table.withLock { $0.active }
        let now = service.wallClock.nowMilliseconds
        let degraded = active.filter { name in
            guard let counters = snapshot[name], !counters.paused else { return false }
            return counters.vendor.isDegraded(now: now)
        }.sorted()
        let paused = active.filter { snapshot[$0]?.paused == true }.sorted()
        let draining = service.isDraining.load(ordering: .relaxed)
        return HealthAnswer(
            status: draining ? "draining" : degraded.isEmpty ? "serving" : "degraded", degraded: degraded,
            paused: paused, version: ControlService.version, listen: service.listenAddress.withLock { $0 },
            strategies: service.strategyReadiness.function?()
        ).line(id: id)
    }
}
