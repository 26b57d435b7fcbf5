import Foundation

/// The Prometheus text exposition (format 0.0.4) served at `/metrics` on the callback listener.
///
/// Counters count since the daemon started (Prometheus handles the reset at a restart); gauges are read live.
/// Every label value is a channel instance name, a state or a bounded reason category, so series stay few.
public struct MetricsPage: Sendable {
    private let service: ControlService
    private let dispatcher: Dispatcher
    private let store: MessageStore
    private let callbacks: CallbackProcessor
    private let extraCounts: @Sendable () -> [(String, Int)]

    public init(
        service: ControlService, dispatcher: Dispatcher, store: MessageStore, callbacks: CallbackProcessor,
        extraCounts: @escaping @Sendable () -> [(String, Int)] = { [] }
    ) {
        self.extraCounts = extraCounts
        self.service = service
        self.dispatcher = dispatcher
        self.store = store
        self.callbacks = callbacks
    }

    /// The whole page.
    public func render() -> String {
        var page = ""
        var families: Set<String> = []
        func family(_ name: String, _ type: String, _ help: String) {
            families.insert(name)
            page += "# HELP channel_gateway_\(name) \(help)\n# TYPE channel_gateway_\(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)] = [], _ value: some Numeric) {
            page += "channel_gateway_" + name
            if !labels.isEmpty {
                page += "{" + labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",") + "}"
            }
            page += " \(value)\n"
        }

        for (name, value) in service.intakeCounts {
            family("messages_\(name)_total", "counter", "Sends answered \(name) on the control socket.")
            sample("messages_\(name)_total", [], value)
        }

        let channels = dispatcher.snapshot().sorted { $0.key < $1.key }
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
        family("queue_depth", "gauge", "Messages queued (deferred included), by channel.")
        for (channel, counters) in channels { sample("queue_depth", [("channel", channel)], counters.queued) }
        family("in_flight", "gauge", "Messages in vendor requests now, by channel.")
        for (channel, counters) in channels { sample("in_flight", [("channel", channel)], counters.inFlight) }
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

        family("receipts_total", "counter", "Vendor receipts received, by channel and event.")
        for (channel, events) in callbacks.receiptsByChannel.sorted(by: { $0.key < $1.key }) {
            for (event, value) in events.sorted(by: { $0.key < $1.key }) {
                sample("receipts_total", [("channel", channel), ("event", event)], value)
            }
        }
        for (count, value) in callbacks.counts + extraCounts() {
            // A second HELP for a family makes Prometheus reject the whole page: the listener's `receipts` total
            // goes under callback_receipts_total, apart from the labelled receipts_total above.
            let name = families.contains("\(count)_total") ? "callback_\(count)" : count
            family("\(name)_total", "counter", "Callback listener: \(count.replacingOccurrences(of: "_", with: " ")).")
            sample("\(name)_total", [], value)
        }
        family("store_commits_total", "counter", "Store transactions committed.")
        sample("store_commits_total", [], store.commitCount)

        histogram(
            "receipt_latency_seconds", "Sent to delivered, by the vendor's clock where it gives one.",
            store.receiptLatency, into: &page)
        histogram(
            "vendor_request_seconds", "Vendor request latency, connection and TLS included.", dispatcher.vendorLatency,
            into: &page)
        return page
    }

    private func histogram(_ name: String, _ help: String, _ histogram: LatencyHistogram, into page: inout String) {
        let snapshot = histogram.snapshot()
        page += "# HELP channel_gateway_\(name) \(help)\n# TYPE channel_gateway_\(name) histogram\n"
        for (bound, count) in zip(histogram.bounds, snapshot.cumulative) {
            page += "channel_gateway_\(name)_bucket{le=\"\(Self.format(bound))\"} \(count)\n"
        }
        page += "channel_gateway_\(name)_bucket{le=\"+Inf\"} \(snapshot.count)\n"
        page += "channel_gateway_\(name)_sum \(snapshot.sumSeconds)\n"
        page += "channel_gateway_\(name)_count \(snapshot.count)\n"
    }

    private static func format(_ bound: Double) -> String {
        bound == bound.rounded() ? String(Int(bound)) : String(bound)
    }

    /// Label values escape backslash, quote and newline.
    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
