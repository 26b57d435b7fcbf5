extension MetricsPage {
    /// Per-instance state gauges: each family has one sample per instance, held instances included, labelled
    /// `channel`, so `sum(...)` counts instances and `... == 1` lists them.
    ///
    /// New per-instance gauges (paused, vendor state) go here, one `instanceGauge` call each.
    func writeInstanceGauges(_ channels: [(key: String, value: ChannelCounters)], into page: inout PrometheusText) {
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
    }
}
