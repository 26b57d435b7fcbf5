internal import ControlProtocol
public import GatewayStore
import Logging

/// Operator commands on PostgreSQL (`status`, `cancel`, `requeue`, `pause`), as the SQLite store answers them
/// (`StoreWriter+Control`): each runs on the writer's connection after everything queued before it, a change in a
/// transaction of its own. A message that leaves `queued` loses its claim, so the dispatcher holding it can no
/// longer complete it (its record is counted as lost), and a requeued one is claimed afresh under its new number.
extension PostgresMessageStore {
    /// Looks a message up by id with its attempts, receipts, engagement events and clicks, after everything queued
    /// so far is committed; `nil` when there is no such message (or the read failed: then it is logged).
    public func status(of id: String, completion: @escaping @Sendable (MessageStatus?) -> Void) {
        let cipher = cipher
        let logger = logger
        read(
            { connection throws(PostgresError) in try Self.status(of: id, cipher: cipher, on: connection) },
            completion: { result in
                switch result {
                case .success(let status): completion(status)
                case .failure(let error):
                    logger.warning("reading a message's status failed", metadata: ["error": "\(error)"])
                    completion(nil)
                }
            })
    }

    /// The message, its history and timeline in one round trip (a pipeline of five reads, one snapshot each).
    private static func status(of id: String, cipher: FieldCipher, on connection: PostgresConnection)
        throws(PostgresError) -> MessageStatus?
    {
        let message = "(SELECT seq FROM messages WHERE id = $1)"
        let results = try connection.batch([
            PostgresStatement(
                """
                SELECT seq, id, channel, recipient, category, state, attempts, vendor_message_id, reason, reason_detail,
                    dedup_key, created_at, updated_at, not_after, next_attempt_at, customer
                FROM messages WHERE id = $1
                """, [id]),
            // SQLite lists attempts by rowid (as recorded); they are recorded as they finish.
            PostgresStatement(
                """
                SELECT attempt, started_at, finished_at, outcome, http_status, reason, vendor_code, detail
                FROM attempts WHERE message_seq = \(message) ORDER BY finished_at, started_at, attempt
                """, [id]),
            PostgresStatement(
                """
                SELECT event, reason, vendor_status, occurred_at, received_at FROM receipts
                WHERE message_seq = \(message) ORDER BY seq
                """, [id]),
            PostgresStatement(
                """
                SELECT type, value, occurred_at, received_at FROM engagement_events
                WHERE message_seq = \(message) ORDER BY occurred_at
                """, [id]),
            PostgresStatement(
                "SELECT coalesce(sum(clicks), 0), min(first_click_at) FROM tracked_links WHERE message_seq = \(message)",
                [id]),
        ])
        guard let row = results[0].rows.first else { return nil }
        return try fields { () throws(StoreError) -> MessageStatus in
            var status = MessageStatus(
                id: row[1] ?? id, channel: row[2] ?? "", recipient: try cipher.open(row[3]) ?? "",
                category: row[4] ?? "", state: messageState(row[5]), attempts: row[6].flatMap { Int($0) } ?? 0,
                vendorMessageID: row[7], reason: row[8], reasonDetail: row[9], dedupKey: try cipher.open(row[10]),
                createdAt: row[11].flatMap { Int64($0) } ?? 0, updatedAt: row[12].flatMap { Int64($0) } ?? 0,
                notAfter: row[13].flatMap { Int64($0) }, nextAttemptAt: row[14].flatMap { Int64($0) } ?? 0,
                customer: try cipher.open(row[15]), history: [])
            // A queued message never tried that waits for a time is deferred (not_before, quiet hours, caps).
            if status.state == .queued, status.attempts == 0, status.nextAttemptAt > 0 { status.state = .deferred }
            status.history = results[1].rows.map { attempt in
                MessageStatus.Attempt(
                    number: attempt[0].flatMap { Int($0) } ?? 0, startedAt: attempt[1].flatMap { Int64($0) } ?? 0,
                    finishedAt: attempt[2].flatMap { Int64($0) } ?? 0,
                    outcome: attempt[3].flatMap(AttemptRecord.Outcome.init(rawValue:)) ?? .failed,
                    httpStatus: attempt[4].flatMap { Int($0) }, reason: attempt[5], vendorCode: attempt[6],
                    detail: attempt[7])
            }
            status.receipts = results[2].rows.map { receipt in
                MessageStatus.ReceiptEntry(
                    event: TimelineEvent(stored: receipt[0] ?? ""), reason: receipt[1], vendorStatus: receipt[2],
                    occurredAt: receipt[3].flatMap { Int64($0) }, receivedAt: receipt[4].flatMap { Int64($0) } ?? 0)
            }
            for event in results[3].rows {
                // Replies and custom events reach runs but have no place in a message's delivery timeline.
                guard let kind = event[0].flatMap(TimelineEvent.init(rawValue:)) else { continue }
                status.receipts.append(
                    MessageStatus.ReceiptEntry(
                        event: kind, occurredAt: event[2].flatMap { Int64($0) },
                        receivedAt: event[3].flatMap { Int64($0) } ?? 0, value: try cipher.open(event[1])))
            }
            let clicks = results[4].rows.first
            status.clicks = clicks?[0].flatMap { Int($0) } ?? 0
            status.firstClickAt = clicks?[1].flatMap { Int64($0) }
            return status
        }
    }

    /// Finds a message by our id, else by the client's dedup key (as intake keeps it: `k:` and the key, hashed
    /// under the store key when fields are encrypted).
    public func locate(
        messageID: String?, dedupKey: String?,
        completion: @escaping @Sendable (Result<MessageLocation?, StoreError>) -> Void
    ) {
        guard messageID != nil || dedupKey != nil else { return completion(.success(nil)) }
        let key = dedupKey.map { cipher.dedupKey("k:" + $0) }
        read(
            { connection throws(PostgresError) -> MessageLocation? in
                let rows = try connection.query(
                    PostgresStatement(
                        """
                        SELECT seq, id, channel, state FROM messages
                        WHERE id = coalesce($1, (SELECT message_id FROM dedup WHERE key = $2))
                        """, [messageID, key]))
                guard let row = rows.rows.first else { return nil }
                return MessageLocation(
                    sequence: row[0].flatMap { Int64($0) } ?? 0, messageID: row[1] ?? "", channel: row[2] ?? "",
                    state: Self.messageState(row[3]))
            }, completion: completion)
    }

    /// Cancels a still-queued message (releasing any claim on it); `false` if it has left the queue meanwhile.
    public func cancel(
        _ sequence: Int64, client: String, completion: @escaping @Sendable (Result<Bool, StoreError>) -> Void
    ) {
        let cipher = cipher
        let node = node
        perform(
            { turn throws(PostgresError) -> Bool in
                let rows = try turn.connection.query(
                    PostgresStatement(
                        PostgresWithdrawals.notifying(
                            """
                            UPDATE messages SET state = 'cancelled', reason = 'cancelled', reason_code = NULL,
                                reason_detail = $2, updated_at = $3, claimed_by = NULL, claimed_until = NULL
                            WHERE seq = $1 AND state = 'queued'
                            RETURNING seq, channel, id, customer, category
                            """, issuer: 4), [String(sequence), "cancelled by \(client)", String(turn.now), node]))
                // As `id, customer, category, channel`.
                guard let row = rows.rows.first.map({ [$0[2], $0[3], $0[4], $0[1]] }) else { return false }
                if turn.changes != nil {
                    turn.changes?.append(
                        StateChange(
                            messageID: row[0] ?? "",
                            customer: try Self.fields { () throws(StoreError) in
                                try cipher.open(row[1])
                            }, channel: row[3] ?? "", category: row[2] ?? "", state: .cancelled, reason: "cancelled",
                            at: turn.now))
                }
                return true
            }, completion: completion)
    }

    /// How many messages `filter` matches now.
    public func countRequeue(_ filter: RequeueFilter, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void)
    {
        let condition = RequeueCondition(filter)
        read(
            { connection throws(PostgresError) -> Int in
                let rows = try connection.query(
                    PostgresStatement(
                        "SELECT count(*) FROM messages WHERE \(condition.sql)", condition.parameters))
                return rows.scalar.flatMap { Int($0) } ?? 0
            }, completion: completion)
    }

    /// Puts up to `limit` matching messages at the end of the target's queue in one statement: new sequence numbers
    /// in their old order (as SQLite numbers them, so they go after what the target already holds), due at once, a
    /// fresh retry budget, the failure and any claim cleared (any node may claim them), their attempts kept under
    /// the new numbers. This node's dispatcher hears of them after the commit.
    public func requeue(
        _ filter: RequeueFilter, limit: Int, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        let condition = RequeueCondition(filter)
        let cipher = cipher
        let next = condition.parameters.count + 1
        let parameters = condition.parameters + [String(limit), filter.target]
        perform(
            { turn throws(PostgresError) -> Int in
                // The numbers are drawn in seq order: the subquery sorts (and is not flattened, having a LIMIT and
                // FOR UPDATE), and the projection above it calls nextval row by row as they come.
                let rows = try turn.connection.query(
                    PostgresStatement(
                        """
                        WITH picked AS (
                            SELECT seq AS old_seq, nextval(pg_get_serial_sequence('messages', 'seq')) AS new_seq FROM (
                                SELECT seq FROM messages WHERE \(condition.sql) ORDER BY seq LIMIT $\(next) FOR UPDATE
                            ) AS s),
                        moved AS (
                            UPDATE messages m SET seq = picked.new_seq, channel = $\(next + 1)::text,
                                origin_channel = CASE WHEN $\(next + 1)::text = m.channel THEN m.origin_channel
                                    ELSE m.channel END,
                                state = 'queued', attempts = 0, next_attempt_at = 0, reason = NULL, reason_code = NULL,
                                reason_detail = NULL, updated_at = $\(next + 2), claimed_by = NULL, claimed_until = NULL
                            FROM picked WHERE m.seq = picked.old_seq
                            RETURNING m.seq, m.id, m.customer, m.category, m.priority),
                        renumbered AS (
                            UPDATE attempts a SET message_seq = picked.new_seq FROM picked WHERE a.message_seq = picked.old_seq)
                        SELECT seq, id, customer, category, priority FROM moved ORDER BY seq
                        """, parameters + [String(turn.now)]))
                for row in rows.rows {
                    let lane = PriorityLane(clamping: row[4].flatMap { Int($0) } ?? 1)
                    turn.newMessages[filter.target, default: .zero][lane] += 1
                    guard turn.changes != nil else { continue }
                    turn.changes?.append(
                        StateChange(
                            messageID: row[1] ?? "",
                            customer: try Self.fields { () throws(StoreError) in
                                try cipher.open(row[2])
                            }, channel: filter.target, category: row[3] ?? "", state: .queued, reason: "requeued",
                            at: turn.now))
                }
                return rows.rows.count
            }, completion: completion)
    }

    /// Persists an instance's pause or resume (kept across restarts and reloads until resumed).
    public func setPaused(
        _ channel: String, paused: Bool, client: String,
        completion: @escaping @Sendable (Result<Void, StoreError>) -> Void
    ) {
        perform(
            { turn throws(PostgresError) in
                _ = try turn.connection.query(
                    PostgresStatement(
                        """
                        INSERT INTO instance_controls (channel, paused, changed_at, client) VALUES ($1, $2, $3, $4)
                        ON CONFLICT (channel) DO UPDATE SET paused = excluded.paused, changed_at = excluded.changed_at,
                            client = excluded.client
                        """, [channel, paused ? "1" : "0", String(turn.now), client]))
            }, completion: completion)
    }

    /// A stored `messages.state`; an unknown one (a hand-edited row) reads as still waiting, as on SQLite.
    static func messageState(_ stored: String?) -> MessageState {
        stored.flatMap(MessageState.init(rawValue:)) ?? .queued
    }

    /// Runs `body`, turning a field that cannot be sealed or opened into a failed statement (its transaction is
    /// rolled back, as SQLite's is).
    static func fields<Value>(_ body: () throws(StoreError) -> Value) throws(PostgresError) -> Value {
        do {
            return try body()
        } catch {
            throw .statementFailed(error.message, sqlState: nil)
        }
    }
}

/// The messages a requeue takes, as a WHERE clause and its parameters (`$1` the source instance; a time bound
/// left out is open).
private struct RequeueCondition {
    var sql: String
    var parameters: [String?]

    init(_ filter: RequeueFilter) {
        sql = "channel = $1 AND ($2::bigint IS NULL OR updated_at >= $2) AND ($3::bigint IS NULL OR updated_at <= $3)"
        parameters = [filter.channel, filter.from.map(String.init), filter.until.map(String.init)]
        switch filter.source {
        case .failed(let reason):
            sql += " AND state = 'failed'"
            if let reason {
                sql += " AND reason = $4"
                parameters.append(reason)
            }
        case .queued:
            sql += " AND state = 'queued'"
        }
    }
}
