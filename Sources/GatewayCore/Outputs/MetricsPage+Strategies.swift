import GatewayStore
import Synchronization

extension MetricsPage {
    /// The strategy engine's families: fires, advances by result, compare-and-set losses, step outcomes with
    /// bounded labels, timer lateness by phase and the horizon. Printed (at zero) without an engine too, so a
    /// dashboard can name them before strategies are configured.
    func writeStrategies(
        _ counters: StrategyCounters?, enrolments: EnrolmentCounters, into page: inout PrometheusText
    ) {
        let fires = Self.prefix + "strategy_timers_fired_total"
        page.family(fires, .counter, "Strategy timers fired, live or catch-up (fell due while the daemon was down).")
        page.sample(fires, ["phase": "live"], counters?.liveFires.load(ordering: .relaxed) ?? 0)
        page.sample(fires, ["phase": "catch_up"], counters?.catchUpFires.load(ordering: .relaxed) ?? 0)
        let advances = Self.prefix + "strategy_advances_total"
        page.family(
            advances, .counter,
            "Run advances by result: committed, stale (the run moved on before it was submitted), failed.")
        page.sample(advances, ["result": "advanced"], counters?.advanced.load(ordering: .relaxed) ?? 0)
        page.sample(advances, ["result": "stale"], counters?.stale.load(ordering: .relaxed) ?? 0)
        page.sample(advances, ["result": "failed"], counters?.failed.load(ordering: .relaxed) ?? 0)
        let lost = Self.prefix + "strategy_cas_lost_total"
        page.family(lost, .counter, "Timer advances another settler (an event, an exit) won first; dropped.")
        page.sample(lost, ["settler": "timer"], counters?.casLost.load(ordering: .relaxed) ?? 0)
        let steps = Self.prefix + "strategy_steps_total"
        page.family(steps, .counter, "Steps executed by strategy, step and outcome (engine advances).")
        if let counters {
            let sorted = counters.stepCounts.sorted { lhs, rhs in
                (lhs.key.strategy, lhs.key.step, lhs.key.outcome) < (rhs.key.strategy, rhs.key.step, rhs.key.outcome)
            }
            for (key, value) in sorted {
                page.sample(steps, ["strategy": key.strategy, "step": key.step, "outcome": key.outcome], value)
            }
        }
        let lateness = Self.prefix + "strategy_timer_lateness_seconds"
        page.family(lateness, .histogram, "Commit time of a fired timer's advance minus its due time, by phase.")
        for (phase, histogram) in [
            ("live", counters?.liveLateness), ("catch_up", counters?.catchUpLateness),
        ] {
            let bounds = histogram?.bounds ?? StrategyCounters.latenessBounds
            let snapshot =
                histogram?.snapshot() ?? (cumulative: Array(repeating: 0, count: bounds.count), count: 0, sumSeconds: 0)
            for (bound, count) in zip(bounds, snapshot.cumulative) {
                page.sample(lateness, ["phase": phase, "le": PrometheusText.format(bound)], count, suffix: "_bucket")
            }
            page.sample(lateness, ["phase": phase, "le": "+Inf"], snapshot.count, suffix: "_bucket")
            page.sample(lateness, ["phase": phase], snapshot.sumSeconds, suffix: "_sum")
            page.sample(lateness, ["phase": phase], snapshot.count, suffix: "_count")
        }
        let horizon = Self.prefix + "strategy_timers_horizon"
        page.family(horizon, .gauge, "Due strategy timers held in memory by the engine.")
        page.sample(horizon, counters?.horizon.load(ordering: .relaxed) ?? 0)
        let overdue = Self.prefix + "strategy_timers_overdue"
        page.family(
            overdue, .gauge,
            "Strategy timers more than 5 s past due and not yet fired (counted every 5 s, at most 10000).")
        page.sample(overdue, counters?.overdue.load(ordering: .relaxed) ?? 0)
        let enrolled = Self.prefix + "strategy_enrolments_total"
        page.family(enrolled, .counter, "Enrolments answered (enrol, enrol_batch) by strategy and result.")
        for (key, value) in enrolments.counts {
            page.sample(enrolled, ["strategy": key.strategy, "result": key.result], value)
        }
        let inFlight = Self.prefix + "strategy_advances_in_flight"
        page.family(inFlight, .gauge, "Run advances submitted to the store and not yet committed.")
        page.sample(inFlight, counters?.inFlight.load(ordering: .relaxed) ?? 0)
    }
}
