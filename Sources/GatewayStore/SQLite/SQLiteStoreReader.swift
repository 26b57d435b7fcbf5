import ChannelKit

/// A read-only SQLite connection for one background thread (WAL: it never waits for the writer).
///
/// Statements are prepared on first use and reset after each, so the reader holds no snapshot between calls.
final class SQLiteStoreReader: StoreReading {
    private let database: SQLiteDatabase
    private let cipher: FieldCipher
    private var selectQueued: SQLiteStatement?
    private var selectPollTargets: SQLiteStatement?
    private var selectOutbox: SQLiteStatement?
    private var selectOldest: SQLiteStatement?

    /// The oldest queued message of one lane of an instance: one seek on the partial index `messages_lane
    /// (channel, priority, seq) WHERE state = 'queued'` (sequence order is acceptance order), never a scan.
    static let oldestQueuedSQL = """
        SELECT created_at FROM messages
        WHERE channel = ?1 AND priority = ?2 AND state = 'queued' ORDER BY seq LIMIT 1
        """

    init(database: SQLiteDatabase, cipher: FieldCipher) {
        self.database = database
        self.cipher = cipher
    }

    private func statement(_ slot: inout SQLiteStatement?, _ sql: String) throws(StoreError) -> SQLiteStatement {
        if let slot { return slot }
        let prepared = try database.prepare(sql)
        slot = prepared
        return prepared
    }

    func queued(channel: String, priority: PriorityLane, after: Int64, limit: Int) throws(StoreError)
        -> [StoredMessage]
    {
        // Matches the partial index messages_lane (channel, priority, seq) WHERE state = 'queued'.
        let select = try statement(
            &selectQueued,
            """
            SELECT seq, id, recipient, category, template, params, content, not_after, attempts, next_attempt_at,
                title, url, origin_channel, run_id
            FROM messages WHERE channel = ?1 AND priority = ?4 AND state = 'queued' AND seq > ?2
            ORDER BY seq LIMIT ?3
            """)
        select.reset()
        defer { select.reset() }
        select.bind(1, channel)
        select.bind(4, priority.rawValue)
        select.bind(2, after)
        select.bind(3, limit)
        var page: [StoredMessage] = []
        page.reserveCapacity(limit)
        while try select.step() {
            var params: [String: String] = [:]
            if let text = try cipher.open(select.string(5)),
                case .object(let members)? = try? JSONParser.parse(text)
            {
                for (key, value) in members { params[key] = value.scalarText ?? "" }
            }
            let message = OutboundMessage(
                id: select.string(1) ?? "",
                channel: channel,
                recipient: try cipher.open(select.string(2)) ?? "",
                category: MessageCategory(name: select.string(3) ?? "") ?? .transactional,
                template: select.string(4),
                params: params,
                content: try cipher.open(select.string(6)),
                title: try cipher.open(select.string(10)),
                url: try cipher.open(select.string(11))
            )
            page.append(
                StoredMessage(
                    sequence: select.int64(0) ?? 0,
                    message: message,
                    notAfter: select.int64(7),
                    attempts: select.int(8),
                    nextAttemptAt: select.int64(9) ?? 0,
                    failedOverFrom: select.string(12),
                    runID: select.int64(13)
                )
            )
        }
        return page
    }

    func pollTargets(channel: String, dueBy now: Int64, limit: Int) throws(StoreError)
        -> [(sequence: Int64, target: PollTarget)]
    {
        let select = try statement(
            &selectPollTargets,
            """
            SELECT q.seq, m.id, m.vendor_message_id, m.recipient, q.sent_at FROM poll_queue q
            JOIN messages m ON m.seq = q.seq
            WHERE q.channel = ?1 AND q.due_at <= ?2 AND m.state = 'sent' ORDER BY q.due_at LIMIT ?3
            """)
        select.reset()
        defer { select.reset() }
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
                        recipient: try cipher.open(select.string(3)) ?? "", sentAtMilliseconds: select.int64(4) ?? 0)
                ))
        }
        return targets
    }

    func outbox(limit: Int) throws(StoreError) -> [(sequence: Int64, line: String)] {
        let select = try statement(&selectOutbox, "SELECT seq, body FROM outbox ORDER BY seq LIMIT ?1")
        select.reset()
        defer { select.reset() }
        select.bind(1, limit)
        var entries: [(Int64, String)] = []
        while try select.step() {
            entries.append((select.int64(0) ?? 0, try cipher.open(select.string(1)) ?? ""))
        }
        return entries
    }

    func oldestQueuedAt(channel: String, lane: PriorityLane) throws(StoreError) -> Int64? {
        let select = try statement(&selectOldest, Self.oldestQueuedSQL)
        select.reset()
        defer { select.reset() }
        select.bind(1, channel)
        select.bind(2, lane.rawValue)
        return try select.step() ? select.int64(0) : nil
    }
}
