extension MetricsPage {
    /// Per-instance state gauges: each family has one sample per instance, held instances included, labelled
    /// `channel`, so `sum(...)` counts instances and `... == 1` lists them.
    ///
    /// New per-instance gauges (paused, vendor state) go here, one `instanceGauge` call each.
    func writeInstanceGauges(
        _ channels: [(key: String, value: ChannelCounters)], now: Int64, into page: inout PrometheusText
    ) {
        func instanceGauge(_ name: String, _ help: String, _ value: (ChannelCounters) -> Double) {
            let family = Self.prefix + name
            page.family(family, .gauge, help)
            for (channel, counters) in channels { page.sample(family, ["channel": channel], value(counters)) }
        }
        instanceGauge("queue_depth", "Messages queued (deferred and retry-waiting included), by channel.") {
            Double($0.queued)
        }
        instanceGauge("in_flight", "Messages in vendor requests now, by channel.") { Double($0.inFlight) }
        // Only instances with something queued are asked: an idle gateway's scrape touches no index at all.
        let ages = queueAges.oldestAges(of: channels.filter { $0.value.queued > 0 }.map(\.key))
        let oldest = Self.prefix + "queue_oldest_age_seconds"
        page.family(
            oldest, .gauge,
            "Seconds since the oldest queued message (deferred and retry-waiting included) was accepted, by channel; "
                + "0 when none is queued.")
        for (channel, _) in channels { page.sample(oldest, ["channel": channel], ages[channel] ?? 0) }
        instanceGauge(
            "instance_held", "1 if the instance was removed by a reload and its queued messages are held, by channel."
        ) { $0.held ? 1 : 0 }
        instanceGauge("instance_paused", "1 if an operator paused the instance (it sends nothing), by channel.") {
            $0.paused ? 1 : 0
        }
        instanceGauge(
            "vendor_consecutive_failures",
            "Failed vendor attempts since the last success (vendor-side reasons), by channel."
        ) { Double($0.vendor.consecutiveFailures) }
        // Times as Unix seconds, 0 for never: alert on time() - last_success > N while failures climb.
        instanceGauge("vendor_last_success_timestamp_seconds", "When the vendor last accepted a send, by channel.") {
            Double($0.vendor.lastSuccessAt ?? 0) / 1000
        }
        instanceGauge("vendor_last_error_timestamp_seconds", "When the vendor last failed an attempt, by channel.") {
            Double($0.vendor.lastErrorAt ?? 0) / 1000
        }
        instanceGauge(
            "instance_degraded",
            "1 if the instance has only failed for at least a minute (health: degraded), by channel."
        ) { $0.paused ? 0 : ($0.vendor.isDegraded(now: now) ? 1 : 0) }
    }
}
