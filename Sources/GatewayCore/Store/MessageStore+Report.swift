import ChannelKit
import Foundation

extension MessageStore {
    /// Per-channel outcomes of the messages accepted since `since` (epoch ms), read on a connection of its own
    /// so the writer and the dispatcher never wait for it.
    public func report(since: Int64) throws(StoreError) -> [ChannelReport] {
        let database = try SQLiteDatabase(path: databasePath, readOnly: true)
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
            switch states.string(1) ?? "" {
            case "sent", "no_answer", "refused": report.sent += count
            case "delivered", "answered":
                report.sent += count
                report.delivered += count
            case "failed":
                // A vendor-id failure was sent, then reported undelivered; the rest never left.
                if states.int(3) == 1 { report.sent += count }
                report.failedByReason[states.string(2) ?? "unknown", default: 0] += count
            case "expired": report.expired += count
            case "suppressed": report.suppressed += count
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

extension MessageStore {
    /// The current state of every message changed since `since` (epoch ms), oldest change first, read on a
    /// connection of its own (for `subscribe` with `since`).
    public func changes(since: Int64, limit: Int = 1_000_000) throws(StoreError) -> [StateChange] {
        let database = try SQLiteDatabase(path: databasePath, readOnly: true)
        let select = try database.prepare(
            """
            SELECT id, customer, channel, category, state, reason, updated_at, attempts, next_attempt_at FROM messages
            WHERE updated_at >= ?1 ORDER BY updated_at LIMIT ?2
            """)
        select.bind(1, since)
        select.bind(2, limit)
        var changes: [StateChange] = []
        while try select.step() {
            var state = select.string(4) ?? ""
            if state == "queued", select.int(7) == 0, (select.int64(8) ?? 0) > 0 { state = "deferred" }
            changes.append(
                StateChange(
                    messageID: select.string(0) ?? "", customer: try openField(select.string(1)),
                    channel: select.string(2) ?? "", category: select.string(3) ?? "", state: state,
                    reason: select.string(5), at: select.int64(6) ?? 0))
        }
        return changes
    }
}

extension MessageStore {
    /// The oldest outbox entries (sequence and change line), for the webhook sender's own connection.
    func outbox(from database: SQLiteDatabase, limit: Int) throws(StoreError) -> [(Int64, String)] {
        let select = try database.prepare("SELECT seq, body FROM outbox ORDER BY seq LIMIT ?1")
        select.bind(1, limit)
        var entries: [(Int64, String)] = []
        while try select.step() {
            entries.append((select.int64(0) ?? 0, try openField(select.string(1)) ?? ""))
        }
        return entries
    }

    /// A read-only connection for a background reader (the webhook sender).
    func readConnection() throws(StoreError) -> SQLiteDatabase {
        try SQLiteDatabase(path: databasePath, readOnly: true)
    }
}

extension MessageStore {
    /// Sent messages of a channel due a pull-receipt query, earliest due first.
    func pollTargets(from database: SQLiteDatabase, channel: String, dueBy now: Int64, limit: Int) throws(StoreError)
        -> [(sequence: Int64, target: PollTarget)]
    {
        let select = try database.prepare(
            """
            SELECT q.seq, m.id, m.vendor_message_id, m.recipient, q.sent_at FROM poll_queue q
            JOIN messages m ON m.seq = q.seq
            WHERE q.channel = ?1 AND q.due_at <= ?2 AND m.state = 'sent' ORDER BY q.due_at LIMIT ?3
            """)
        select.bind(1, channel)
        select.bind(2, now)
        select.bind(3, limit)
        var targets: [(Int64, PollTarget)] = []
        while try select.step() {
            targets.append(
                (
                    select.int64(0) ?? 0,
                    PollTarget(
                        messageID: select.string(1) ?? "", vendorMessageID: select.string(2) ?? "",
                        recipient: try openField(select.string(3)) ?? "", sentAtMilliseconds: select.int64(4) ?? 0)
                ))
        }
        return targets
    }
}
