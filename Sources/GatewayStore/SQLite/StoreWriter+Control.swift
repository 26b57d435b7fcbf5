import ChannelKit
import ControlProtocol

/// Operator operations on the writer thread: finding a message to cancel, cancelling it, requeueing failed or
/// held messages, pausing instances and paging through the whole consent log.
extension StoreWriter {
    /// A message by our id or by the client's dedup key.
    func locate(messageID: String?, dedupKey: String?) throws(StoreError) -> MessageLocation? {
        var id = messageID
        if id == nil, let dedupKey {
            let lookup = try cached("SELECT message_id FROM dedup WHERE key = ?1")
            lookup.bind(1, cipher.dedupKey("k:" + dedupKey))
            id = try lookup.step() ? lookup.string(0) : nil
            lookup.reset()
        }
        guard let id else { return nil }
        let select = try cached("SELECT seq, id, channel, state FROM messages WHERE id = ?1")
        select.bind(1, id)
        defer { select.reset() }
        guard try select.step() else { return nil }
        return MessageLocation(
            sequence: select.int64(0) ?? 0, messageID: select.string(1) ?? id, channel: select.string(2) ?? "",
            state: Self.state(select.string(3)))
    }

    /// Marks a still-queued message cancelled; `false` if it has left the queue meanwhile.
    func cancel(_ sequence: Int64, client: String, now: Int64) throws(StoreError) -> Bool {
        let update = try cached(
            """
            UPDATE messages SET state = 'cancelled', reason = 'cancelled', reason_code = NULL, reason_detail = ?2,
                updated_at = ?3
            WHERE seq = ?1 AND state = 'queued'
            """)
        update.bind(1, sequence)
        update.bind(2, "cancelled by \(client)")
        update.bind(3, now)
        try update.step()
        guard database.changes == 1 else { return false }
        try emit(sequence, state: .cancelled, reason: "cancelled", at: now)
        return true
    }

    /// The WHERE clause and its bound values for a requeue filter (`?1` is the source instance).
    private func requeueCondition(_ filter: RequeueFilter) -> (sql: String, reason: String?) {
        var sql = "channel = ?1"
        var reason: String?
        switch filter.source {
        case .failed(let category):
            sql += " AND state = 'failed'"
            if let category {
                sql += " AND reason = ?4"
                reason = category
            }
        case .queued:
            sql += " AND state = 'queued'"
        }
        sql += " AND (?2 IS NULL OR updated_at >= ?2) AND (?3 IS NULL OR updated_at <= ?3)"
        return (sql, reason)
    }

    private func bind(_ statement: SQLiteStatement, _ filter: RequeueFilter, reason: String?) {
        statement.bind(1, filter.channel)
        statement.bind(2, filter.from)
        statement.bind(3, filter.until)
        if let reason { statement.bind(4, reason) }
    }

    /// How many messages a requeue would take.
    func countRequeue(_ filter: RequeueFilter) throws(StoreError) -> Int {
        let condition = requeueCondition(filter)
        let count = try cached("SELECT COUNT(*) FROM messages WHERE \(condition.sql)")
        bind(count, filter, reason: condition.reason)
        defer { count.reset() }
        return try count.step() ? count.int(0) : 0
    }

    /// Puts up to `limit` matching messages at the end of the target's queue: new sequence numbers (so the
    /// dispatcher's cursor reaches them), a fresh retry budget, the failure cleared, their attempts kept.
    /// - Returns: how many moved; `queued` gets their counts by channel and lane.
    func requeue(_ filter: RequeueFilter, limit: Int, now: Int64, queued: inout [String: LaneCounts]) throws(StoreError)
        -> Int
    {
        let condition = requeueCondition(filter)
        let select = try cached(
            "SELECT seq, priority FROM messages WHERE \(condition.sql) ORDER BY seq LIMIT \(limit)")
        bind(select, filter, reason: condition.reason)
        var rows: [(sequence: Int64, priority: Int)] = []
        while try select.step() { rows.append((select.int64(0) ?? 0, select.int(1))) }
        select.reset()
        guard !rows.isEmpty else { return 0 }
        let top = try cached("SELECT COALESCE(MAX(seq), 0) FROM messages")
        guard try top.step(), var next = top.int64(0) else { return 0 }
        top.reset()
        let move = try cached(
            """
            UPDATE messages SET seq = ?2, channel = ?3, origin_channel = CASE WHEN ?3 = channel THEN origin_channel
                ELSE channel END, state = 'queued', attempts = 0, next_attempt_at = 0, reason = NULL,
                reason_code = NULL, reason_detail = NULL, updated_at = ?4
            WHERE seq = ?1
            """)
        let attempts = try cached("UPDATE attempts SET message_seq = ?2 WHERE message_seq = ?1")
        for row in rows {
            next += 1
            move.reset()
            move.bind(1, row.sequence)
            move.bind(2, next)
            move.bind(3, filter.target)
            move.bind(4, now)
            try move.step()
            attempts.reset()
            attempts.bind(1, row.sequence)
            attempts.bind(2, next)
            try attempts.step()
            try emit(next, state: .queued, reason: "requeued", at: now)
            queued[filter.target, default: .zero][PriorityLane(clamping: row.priority)] += 1
        }
        return rows.count
    }

    /// Persists an instance's pause (kept across restarts and reloads until resumed).
    func setPaused(_ channel: String, paused: Bool, client: String, now: Int64) throws(StoreError) {
        let upsert = try cached(
            """
            INSERT INTO instance_controls (channel, paused, changed_at, client) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (channel) DO UPDATE SET paused = ?2, changed_at = ?3, client = ?4
            """)
        upsert.bind(1, channel)
        upsert.bind(2, paused ? 1 : 0)
        upsert.bind(3, now)
        upsert.bind(4, client)
        try upsert.step()
    }

    /// A page of the whole consent log after `sequence`, optionally only entries at or after `since`.
    func consentLog(after sequence: Int64, since: Int64?, limit: Int) throws(StoreError) -> [ConsentReport.Entry] {
        let select = try cached(
            """
            SELECT seq, subject_kind, subject_text, channel, action, route, evidence, client, at FROM consent_log
            WHERE seq > ?1 AND (?2 IS NULL OR at >= ?2) ORDER BY seq LIMIT ?3
            """)
        select.bind(1, sequence)
        select.bind(2, since)
        select.bind(3, limit)
        defer { select.reset() }
        var entries: [ConsentReport.Entry] = []
        while try select.step() {
            entries.append(
                ConsentReport.Entry(
                    sequence: select.int64(0) ?? 0, subjectKind: .init(rawValue: select.string(1) ?? ""),
                    subject: try cipher.open(select.string(2)) ?? "", channel: select.string(3) ?? "",
                    action: .init(rawValue: select.string(4) ?? ""), route: .init(rawValue: select.string(5) ?? ""),
                    evidence: try cipher.open(select.string(6)), client: select.string(7) ?? "",
                    at: select.int64(8) ?? 0))
        }
        return entries
    }
}
