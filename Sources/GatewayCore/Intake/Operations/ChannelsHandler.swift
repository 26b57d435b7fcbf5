import ChannelKit
import ControlProtocol
import GatewayConfig
import Synchronization

/// `channels`: every instance configured since start, with its limits, counters and vendor health.
enum ChannelsHandler {
    static func answer(id: JSONValue?, service: ControlService) -> String {
        let snapshot = service.dispatcher.snapshot()
        let known = service.table.withLock { $0.known }
        var rows: [ChannelsAnswer.Row] = []
        rows.reserveCapacity(known.count)
        for name in known.keys.sorted() {
            guard let configuration = known[name] else { continue }
            let counters = snapshot[name] ?? ChannelCounters()
            var row = ChannelsAnswer.Row(
                name: name, type: configuration.kind, vendor: configuration.vendor,
                ratePerSecond: configuration.rateLimit.perSecond, burst: configuration.rateLimit.burst,
                concurrency: configuration.concurrency)
            row.queued = counters.queued
            row.inFlight = counters.inFlight
            row.sent = counters.sent
            row.failed = counters.failed
            row.expired = counters.expired
            row.retried = counters.retried
            row.held = counters.held
            row.tokenRefreshes = counters.tokenRefreshes
            row.tokenFailures = counters.tokenFailures
            row.failedOver = counters.failedOver
            row.ambiguous = counters.ambiguous
            row.unreadableReplies = counters.unreadableReplies
            row.paused = counters.paused
            let health = counters.vendor
            row.consecutiveFailures = health.consecutiveFailures
            row.lastError = health.lastError
            row.lastErrorAt = health.lastErrorAt.map(Timestamp.format)
            row.lastSuccessAt = health.lastSuccessAt.map(Timestamp.format)
            row.failingSince = health.failingSince.map(Timestamp.format)
            rows.append(row)
        }
        return ChannelsAnswer(channels: rows).line(id: id)
    }
}
