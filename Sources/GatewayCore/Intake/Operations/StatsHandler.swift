import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `stats`: the intake counters, the dispatcher's totals over every instance, and the listener's counters.
enum StatsHandler {
    static func answer(id: JSONValue?, service: ControlService) -> String {
        let snapshot = service.dispatcher.snapshot()
        var total = ChannelCounters()
        for counters in snapshot.values {
            total.queued += counters.queued
            total.inFlight += counters.inFlight
            total.sent += counters.sent
            total.failed += counters.failed
            total.expired += counters.expired
            total.retried += counters.retried
        }
        var counters = service.counters.all.map { (name: $0.0, value: $0.1) }
        counters += [
            ("queued", total.queued), ("in_flight", total.inFlight), ("sent", total.sent), ("failed", total.failed),
            ("expired", total.expired), ("retried", total.retried), ("store_commits", service.store.commitCount),
        ]
        for (name, value) in service.extraStats.function?() ?? [] { counters.append((name, value)) }
        counters.append(("uptime_s", Int((service.wallClock.nowMilliseconds - service.startedAt) / 1000)))
        return StatsAnswer(counters: counters).line(id: id)
    }
}
