import Foundation

/// The Prometheus text exposition (format 0.0.4) served at `/metrics` on the callback listener.
///
/// Counters count since the daemon started (Prometheus handles the reset at a restart); gauges are read live.
/// Every label value is a channel instance name, a state or a bounded reason category, so series stay few.
/// Every family prints its HELP and TYPE on every scrape, samples or not, so a dashboard or an alert can name it
/// before its first event (the dashboard test checks each series it queries against a real page).
///
/// The page is written by hand rather than through swift-metrics: the hot path already keeps plain per-instance
/// counters under the dispatcher's one lock and a few atomics, and a scrape only copies them.
public struct MetricsPage: Sendable {
    private let service: ControlService
    private let dispatcher: Dispatcher
    private let store: any MessageStoring
    private let callbacks: CallbackProcessor
    private let extraCounts: @Sendable () -> [(String, Int)]
    let reloads: ReloadCounter
    let queueAges: QueueAgeProbe
    /// The strategy engine's counters, when strategies run.
    let strategies: StrategyEngine?

    /// - Parameters:
    ///   - service: intake counters.
    ///   - dispatcher: per-instance counters and vendor latency.
    ///   - store: commits, receipt latency and the queued index (oldest queued age).
    ///   - callbacks: the listener's counters and kept receipts.
    ///   - reloads: configuration reload outcomes.
    ///   - wallClock: for ages.
    ///   - extraCounts: more `(name, value)` counters (webhook, receipt poller).
    ///   - strategies: the strategy engine, for its counters.
    public init(
        service: ControlService, dispatcher: Dispatcher, store: any MessageStoring, callbacks: CallbackProcessor,
        reloads: ReloadCounter = ReloadCounter(startedAtSeconds: 0), wallClock: any WallClock = SystemWallClock(),
        extraCounts: @escaping @Sendable () -> [(String, Int)] = { [] }, strategies: StrategyEngine? = nil
    ) {
        self.strategies = strategies
        self.extraCounts = extraCounts
        self.service = service
        self.dispatcher = dispatcher
        self.store = store
        self.callbacks = callbacks
        self.reloads = reloads
        queueAges = QueueAgeProbe(store: store, clock: wallClock)
        self.wallClock = wallClock
    }

    private let wallClock: any WallClock

    /// Every family's name prefix (the standard `process_*` families go without it).
    static let prefix = "channel_gateway_"

    /// The whole page.
    public func render() -> String {
        var page = PrometheusText()
        let channels = dispatcher.snapshot().sorted { $0.key < $1.key }
        writeIntake(into: &page)
        writeOutcomes(channels, into: &page)
        writeInstanceGauges(channels, now: wallClock.nowMilliseconds, into: &page)
        writeReceipts(into: &page)
        writeListener(into: &page)
        page.family(Self.prefix + "store_commits_total", .counter, "Store transactions committed.")
        page.sample(Self.prefix + "store_commits_total", store.commitCount)
        page.family(
            Self.prefix + "store_checkpointed_pages_total", .counter,
            "Pages copied from the write-ahead log into the database file, off the writer.")
        page.sample(Self.prefix + "store_checkpointed_pages_total", store.checkpointedPages)
        page.histogram(
            Self.prefix + "receipt_latency_seconds", "Sent to delivered, by the vendor's clock where it gives one.",
            store.receiptLatency)
        page.histogram(
            Self.prefix + "vendor_request_seconds", "Vendor request latency, connection and TLS included.",
            dispatcher.vendorLatency)
        writeStrategies(strategies?.counters, enrolments: service.enrolments, into: &page)
        writeDaemon(into: &page)
        writeProcess(into: &page)
        return page.text
    }

    private func writeIntake(into page: inout PrometheusText) {
        for (name, value) in service.intakeCounts {
            let family = Self.prefix + "messages_\(name)_total"
            page.family(family, .counter, "Sends answered \(name) on the control socket.")
            page.sample(family, value)
        }
    }

    /// Per-instance outcome counters, one sample per instance (or per instance and state, reason, result).
    private func writeOutcomes(_ channels: [(key: String, value: ChannelCounters)], into page: inout PrometheusText) {
        func family(_ name: String, _ type: String, _ help: String) {
            page.family(Self.prefix + name, PrometheusText.Kind(rawValue: type)!, help)
        }
        func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int) {
            page.sample(Self.prefix + name, labels: labels.map { (key: $0.0, value: $0.1) }, Double(value))
        }
        family("messages_total", "counter", "Messages that reached a final send outcome, by channel and state.")
        for (channel, counters) in channels {
            for (state, value) in [
                ("sent", counters.sent), ("failed", counters.failed), ("expired", counters.expired),
                ("failed_over", counters.failedOver),
            ] {
                sample("messages_total", [("channel", channel), ("state", state)], value)
            }
        }
        family("failures_total", "counter", "Final send failures by channel and reason category.")
        for (channel, counters) in channels {
            for (reason, value) in counters.failuresByReason.sorted(by: { $0.key < $1.key }) {
                sample("failures_total", [("channel", channel), ("reason", reason)], value)
            }
        }
        family("retries_total", "counter", "Attempts that will be retried, by channel.")
        for (channel, counters) in channels { sample("retries_total", [("channel", channel)], counters.retried) }
        family(
            "ambiguous_total", "counter",
            "Messages whose vendor request went out and got no answer (the vendor may have them), by channel.")
        for (channel, counters) in channels { sample("ambiguous_total", [("channel", channel)], counters.ambiguous) }
        family(
            "unreadable_replies_total", "counter", "Messages recorded as sent on a 2xx whose body could not be read.")
        for (channel, counters) in channels {
            sample("unreadable_replies_total", [("channel", channel)], counters.unreadableReplies)
        }
        family(
            "send_checks_total", "counter",
            "Vendor answers on whether it took an unanswered send (found, not_found, unknown), by channel.")
        for (channel, counters) in channels {
            for (result, value) in counters.sendChecks.sorted(by: { $0.key < $1.key }) {
                sample("send_checks_total", [("channel", channel), ("result", result)], value)
            }
        }
        family("token_refreshes_total", "counter", "Access tokens obtained, by channel.")
        for (channel, counters) in channels {
            sample("token_refreshes_total", [("channel", channel)], counters.tokenRefreshes)
        }
        family("token_failures_total", "counter", "Failed access-token fetches, by channel.")
        for (channel, counters) in channels {
            sample("token_failures_total", [("channel", channel)], counters.tokenFailures)
        }
    }

    /// Receipts the store kept (pushed and polled), by instance and event; repeats apart, by instance.
    private func writeReceipts(into page: inout PrometheusText) {
        let kept = Self.prefix + "receipts_total"
        page.family(kept, .counter, "Vendor receipts kept (pushed or polled; repeats excluded), by channel and event.")
        for (channel, events) in callbacks.receiptCounts.kept.sorted(by: { $0.key < $1.key }) {
            for (event, value) in events.sorted(by: { $0.key < $1.key }) {
                page.sample(kept, ["channel": channel, "event": event], value)
            }
        }
        let duplicates = Self.prefix + "receipts_duplicate_total"
        page.family(
            duplicates, .counter, "Vendor receipts seen before (retried pushes; they change nothing), by channel.")
        for (channel, value) in callbacks.receiptCounts.duplicates.sorted(by: { $0.key < $1.key }) {
            page.sample(duplicates, ["channel": channel], value)
        }
    }

    /// The listener's and the background senders' totals, each always printed (0 when unused or unconfigured).
    private func writeListener(into page: inout PrometheusText) {
        let known: KeyValuePairs<String, String> = [
            "callbacks": "Vendor callbacks received on the listener.",
            "callbacks_rejected": "Callbacks refused (unknown instance, malformed, bad signature).",
            "callbacks_bad_signature": "Callbacks refused for a missing or forged signature.",
            "replies": "Customer replies received in callbacks.",
            "reply_optouts": "Opt-outs recorded from customer replies and refused calls.",
            "receipts_matched": "Pushed receipts matched to a message.",
            "receipts_unmatched": "Pushed receipts kept without a message (unknown or not yet replied ids).",
            "receipt_queries": "Pull-receipt queries sent to vendors without push.",
            "webhook_delivered": "State changes delivered to the webhook.",
            "webhook_failures": "Webhook POSTs that failed (retried).",
        ]
        // `receipts` and `receipts_duplicate` are `stats` totals; the page labels them by channel above.
        var values: [String: Int] = [:]
        for (name, value) in callbacks.counts + extraCounts() where name != "receipts" && name != "receipts_duplicate" {
            values[name] = value
        }
        for (name, help) in known {
            page.family(Self.prefix + name + "_total", .counter, help)
            page.sample(Self.prefix + name + "_total", values.removeValue(forKey: name) ?? 0)
        }
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            page.family(Self.prefix + name + "_total", .counter, name.replacingOccurrences(of: "_", with: " ") + ".")
            page.sample(Self.prefix + name + "_total", value)
        }
    }
}
