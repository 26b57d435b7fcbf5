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
