import ChannelKit
import GatewayStore

/// A PostgreSQL connection for one background thread: the dispatcher's pages (claims), the receipt poller's
/// targets, the webhook outbox and the queue-age probe.
///
/// Each call is one statement in its own implicit transaction, so the reader holds no snapshot between calls
/// (a snapshot held open would keep vacuum from the queue's dead rows).
final class PostgresStoreReader: StoreReading {
    private let connection: PostgresConnection
    private let delivery: PostgresDelivery
    private let cipher: FieldCipher
    private let clock: any WallClock
    /// Whether this connection holds the outbox lock: of the nodes sharing a store, one delivers the webhook
    /// outbox, the one whose sender took the lock first; when it stops or dies its session ends and another's
    /// next poll takes over. Every node appends its changes; each is delivered once (again only after a crash
    /// between the POST and its acknowledgement, as on SQLite).
    private var deliversOutbox = false
    /// The connection's resets when the outbox lock was taken (a reset ends the session and the lock with it).
    private var outboxLockResets = 0

    init(connection: PostgresConnection, delivery: PostgresDelivery, cipher: FieldCipher, clock: any WallClock) {
        self.connection = connection
        self.delivery = delivery
        self.cipher = cipher
        self.clock = clock
    }

    /// The dispatcher's next page of a lane: the due messages no node holds, claimed for this one as they are read
    /// (``PostgresDelivery/claim(channel:lane:after:limit:now:on:)``: from the cursor, or the whole lane at 0).
    func queued(channel: String, priority: PriorityLane, after: Int64, limit: Int) throws(StoreError)
        -> [StoredMessage]
    {
        do {
            return try delivery.claim(
                channel: channel, lane: priority, after: after, limit: limit, now: clock.nowMilliseconds,
                on: connection)
        } catch {
            throw .statementFailed(error.message)
        }
    }

    func pollTargets(channel: String, dueBy now: Int64, limit: Int) throws(StoreError)
        -> [(sequence: Int64, target: PollTarget)]
    {
        let rows = try query(
            """
            SELECT q.seq, m.id, m.vendor_message_id, m.recipient, q.sent_at FROM poll_queue q
            JOIN messages m ON m.seq = q.seq
            WHERE q.channel = $1 AND q.due_at <= $2 AND m.state = 'sent' ORDER BY q.due_at LIMIT $3
            """, [channel, String(now), String(limit)])
        var targets: [(Int64, PollTarget)] = []
        for row in rows.rows {
            targets.append(
                (
                    row[0].flatMap { Int64($0) } ?? 0,
                    PollTarget(
                        messageID: row[1] ?? "", vendorMessageID: row[2] ?? "",
                        recipient: try cipher.open(row[3]) ?? "",
                        sentAtMilliseconds: row[4].flatMap { Int64($0) } ?? 0)
                ))
        }
        return targets
    }

    func outbox(limit: Int) throws(StoreError) -> [(sequence: Int64, line: String)] {
        if deliversOutbox, connection.resets != outboxLockResets { deliversOutbox = false }
        if !deliversOutbox {
            deliversOutbox =
                try query("SELECT pg_try_advisory_lock(hashtextextended('cgw-outbox', 0))", []).scalar == "t"
            outboxLockResets = connection.resets
            guard deliversOutbox else { return [] }
        }
        let rows = try query("SELECT seq, body FROM outbox ORDER BY seq LIMIT $1", [String(limit)])
        var entries: [(Int64, String)] = []
        for row in rows.rows {
            entries.append((row[0].flatMap { Int64($0) } ?? 0, try cipher.open(row[1]) ?? ""))
        }
        return entries
    }

    func oldestQueuedAt(channel: String, lane: PriorityLane) throws(StoreError) -> Int64? {
        // One seek on messages_lane (channel, priority, seq) WHERE state = 'queued'.
        let rows = try query(
            """
            SELECT created_at FROM messages WHERE channel = $1 AND priority = $2 AND state = 'queued'
            ORDER BY seq LIMIT 1
            """, [channel, String(lane.rawValue)])
        return rows.scalar.flatMap { Int64($0) }
    }

    private func query(_ sql: String, _ parameters: [String?]) throws(StoreError) -> PostgresRows {
        do {
            return try connection.query(PostgresStatement(sql, parameters))
        } catch {
            throw .statementFailed(error.message)
        }
    }
}
