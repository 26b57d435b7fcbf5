import ChannelKit
import ControlProtocol
import Foundation

extension SQLiteMessageStore {
    /// Per-channel outcomes of the messages accepted since `since` (epoch ms), read on a connection of its own
    /// so the writer and the dispatcher never wait for it.
    public func report(since: Int64) throws(StoreError) -> [ChannelReport] {
        let database = try readConnection()
        var reports: [String: ChannelReport] = [:]
        let states = try database.prepare(
            """
            SELECT channel, state, reason, vendor_message_id IS NOT NULL, COUNT(*) FROM messages
            WHERE created_at >= ?1 GROUP BY channel, state, reason, vendor_message_id IS NOT NULL
            """)
        states.bind(1, since)
        while try states.step() {
            let channel = states.string(0) ?? ""
            let count = states.int(4)
            var report = reports[channel] ?? ChannelReport(channel: channel)
            report.accepted += count
            switch StoreWriter.state(states.string(1)) {
            case .sent, .noAnswer, .refused: report.sent += count
            case .delivered, .answered:
                report.sent += count
                report.delivered += count
            case .failed:
                // A vendor-id failure was sent, then reported undelivered; the rest never left.
                if states.int(3) == 1 { report.sent += count }
                report.failedByReason[states.string(2) ?? "unknown", default: 0] += count
            case .expired: report.expired += count
            case .suppressed: report.suppressed += count
            default: report.queued += count
            }
            reports[channel] = report
        }
        let engagement = try database.prepare(
            """
            SELECT m.channel, e.kind, COUNT(DISTINCT m.seq) FROM messages m JOIN (
                SELECT message_seq, event AS kind FROM receipts WHERE event IN ('opened', 'clicked')
                UNION ALL SELECT message_seq, type FROM engagement_events WHERE type IN ('opened', 'clicked')
            ) e ON e.message_seq = m.seq
            WHERE m.created_at >= ?1 GROUP BY m.channel, e.kind
            """)
        engagement.bind(1, since)
        while try engagement.step() {
            let channel = engagement.string(0) ?? ""
            var report = reports[channel] ?? ChannelReport(channel: channel)
            if engagement.string(1) == "opened" {
                report.opened = engagement.int(2)
            } else {
                report.clicked = engagement.int(2)
            }
            reports[channel] = report
        }
        return reports.values.sorted { $0.channel < $1.channel }
    }
}

extension SQLiteMessageStore {
    /// The current state of every message changed since `since` (epoch ms), oldest change first, read on a
    /// connection of its own (for `subscribe` with `since`).
    public func changes(since: Int64, limit: Int) throws(StoreError) -> [StateChange] {
        let database = try readConnection()
        let select = try database.prepare(
            """
            SELECT id, customer, channel, category, state, reason, updated_at, attempts, next_attempt_at FROM messages
            WHERE updated_at >= ?1 ORDER BY updated_at LIMIT ?2
            """)
        select.bind(1, since)
        select.bind(2, limit)
        var changes: [StateChange] = []
        while try select.step() {
            var state = StoreWriter.state(select.string(4))
            if state == .queued, select.int(7) == 0, (select.int64(8) ?? 0) > 0 { state = .deferred }
            changes.append(
                StateChange(
                    messageID: select.string(0) ?? "", customer: try openField(select.string(1)),
                    channel: select.string(2) ?? "", category: select.string(3) ?? "", state: state,
                    reason: select.string(5), at: select.int64(6) ?? 0))
        }
        return changes
    }
}

extension SQLiteMessageStore {
    /// A strategy's funnel from `step_counters`, its conversions per group and one count of active runs over
    /// the `runs_active` index, read on a connection of its own; `nil` when the name was never registered.
    public func strategyReport(_ name: String, version: Int?) throws(StoreError) -> StrategyReport? {
        let database = try readConnection()
        let strategy = try database.prepare("SELECT latest FROM strategies WHERE name = ?1")
        strategy.bind(1, name)
        guard try strategy.step() else { return nil }
        let latest = strategy.int(0)
        let versionBound = version.map { Int64($0) }

        let counters = try database.prepare(
            """
            SELECT step, channel_type, grp, counter, SUM(n), SUM(value) FROM step_counters
            WHERE name = ?1 AND (?2 IS NULL OR version = ?2)
            GROUP BY step, channel_type, grp, counter ORDER BY step, channel_type, grp
            """)
        counters.bind(1, name)
        counters.bind(2, versionBound)
        var rows: [StrategyReport.CounterRow] = []
        while try counters.step() {
            rows.append(
                StrategyReport.CounterRow(
                    step: counters.string(0) ?? "", channelType: counters.string(1) ?? "",
                    group: StrategyReport.Group(rawValue: counters.string(2) ?? "") ?? .treated,
                    counter: counters.string(3) ?? "", n: counters.int(4), value: counters.double(5) ?? 0))
        }

        // Partial index `runs_active` covers exactly `state != 'finished'`: a count, not a scan of all runs.
        let active = try database.prepare(
            """
            SELECT holdout, COUNT(*) FROM runs
            WHERE name = ?1 AND state != 'finished' AND (?2 IS NULL OR version = ?2) GROUP BY holdout
            """)
        active.bind(1, name)
        active.bind(2, versionBound)
        var activeRuns: [StrategyReport.Group: Int] = [:]
        while try active.step() { activeRuns[active.int(0) != 0 ? .holdout : .treated] = active.int(1) }

        let conversions = try database.prepare(
            """
            SELECT holdout, COUNT(DISTINCT run_id), TOTAL(value) FROM conversions
            WHERE name = ?1 AND (?2 IS NULL OR version = ?2) GROUP BY holdout
            """)
        conversions.bind(1, name)
        conversions.bind(2, versionBound)
        var converted: [StrategyReport.Group: (runs: Int, value: Double)] = [:]
        while try conversions.step() {
            converted[conversions.int(0) != 0 ? .holdout : .treated] = (conversions.int(1), conversions.double(2) ?? 0)
        }

        return try StrategyReport.assemble(
            name: name, version: version, latest: latest, counters: rows, active: activeRuns,
            counted: { () throws(StoreError) -> [StrategyReport.Group: Int] in
                // No run-level counters (a store written before they existed): count the runs themselves.
                let all = try database.prepare(
                    "SELECT holdout, COUNT(*) FROM runs WHERE name = ?1 AND (?2 IS NULL OR version = ?2) GROUP BY holdout"
                )
                all.bind(1, name)
                all.bind(2, versionBound)
                var enrolled: [StrategyReport.Group: Int] = [:]
                while try all.step() { enrolled[all.int(0) != 0 ? .holdout : .treated] = all.int(1) }
                return enrolled
            }, converted: converted)
    }
}
