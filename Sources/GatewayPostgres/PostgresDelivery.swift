import ChannelKit
internal import ControlProtocol
package import GatewayStore

/// Queued messages on PostgreSQL as a node holds them: claimed as its dispatcher pages them in, completed in
/// batches, released when they leave `queued` (docs/design/postgresql.md §3 and §10).
///
/// A claim is one statement: the lane's unclaimed queued messages that are due, earliest first, locked with
/// `FOR UPDATE SKIP LOCKED` so concurrent claimers pass over each other's rows instead of waiting, and marked with
/// the node (Oban's and River's fetch). A claim has no per-row deadline: it lasts while its node is alive (the
/// node's heartbeat row, like Oban Pro's DynamicLifeline, ``PostgresNodeKeeper``), and a retry stays claimed by the
/// node that will send it again (its dispatcher keeps it with a timer). A completion is one statement for a whole dispatcher turn: the rows the node still holds
/// take their new state (released unless still queued), and every attempt is recorded, even one whose message was
/// taken from the node meanwhile (it happened; the vendor may have it twice, which ``Completion/lost`` counts).
///
/// A claim exists only on a queued message: every change out of `queued` clears it. So "claimed by this node" is
/// the whole test of ownership, and the completion names no `state`: a `state = 'queued'` term lets the planner,
/// misled by statistics older than a burst (autovacuum analyzes a minute later), walk every queued row through a
/// lane index instead of looking the batch up by key (a completion of 128 took 25-50 ms so, against 3 ms).
package struct PostgresDelivery: Sendable {
    private let cipher: FieldCipher
    /// This node's name, as claims record it.
    package let node: String

    package init(cipher: FieldCipher, node: String) {
        self.cipher = cipher
        self.node = node
    }

    /// What a completion changed.
    package struct Completion: Sendable {
        /// Messages whose state the records set.
        package var applied: Int
        /// Records whose message this node no longer held (another node took it, or it was cancelled): their
        /// attempts are kept, their states are not.
        package var lost: Int
        /// The applied records as state changes (when asked for), for subscribers and the outbox.
        package var changes: [StateChange] = []

        package init(applied: Int, lost: Int, changes: [StateChange] = []) {
            self.applied = applied
            self.lost = lost
            self.changes = changes
        }
    }

    /// Claims up to `limit` unclaimed queued messages of one lane of an instance that are due by `now`: after
    /// `after` in sequence order, or, with `after` 0, the whole lane earliest due first.
    ///
    /// Sequence numbers are taken at insert and become visible at commit, so with several nodes committing at once
    /// a lower number can appear behind a cursor that already passed it; claims released from a dead node and
    /// deferred messages now due sit behind it too. So the dispatcher pages from its cursor (cheap: the scan starts
    /// past the dead index entries of messages already sent, which a scan from the start walks until vacuum), and
    /// the store's keeper has it rescan each lane from the start every second. Deferred messages are claimed only
    /// once due, so a node never holds a night's deferred messages.
    package func claim(
        channel: String, lane: PriorityLane, after: Int64 = 0, limit: Int, now: Int64,
        on connection: PostgresConnection
    ) throws(PostgresError) -> [StoredMessage] {
        // From a cursor, messages_lane (channel, priority, seq); from the start, messages_ready (channel, priority,
        // next_attempt_at, seq); both WHERE state = 'queued'.
        let order = after > 0 ? "seq" : "next_attempt_at, seq"
        let rows = try connection.query(
            PostgresStatement(
                """
                WITH ready AS (
                    SELECT seq FROM messages
                    WHERE channel = $1 AND priority = $2 AND state = 'queued' AND seq > $6 AND next_attempt_at <= $3
                        AND claimed_by IS NULL
                    ORDER BY \(order) LIMIT $4
                    FOR UPDATE SKIP LOCKED)
                UPDATE messages m SET claimed_by = $5 FROM ready WHERE m.seq = ready.seq
                RETURNING m.seq, m.id, m.recipient, m.category, m.template, m.params, m.content, m.not_after,
                    m.attempts, m.next_attempt_at, m.title, m.url, m.origin_channel, m.run_id
                """,
                [channel, String(lane.rawValue), String(now), String(limit), node, String(after)]))
        var page: [StoredMessage] = []
        page.reserveCapacity(rows.rows.count)
        do throws(StoreError) {
            for row in rows.rows { page.append(try stored(row, channel: channel)) }
        } catch {
            throw .statementFailed("a claimed message cannot be read: \(error.message)", sqlState: nil)
        }
        // RETURNING follows no order; the dispatcher sends in the claim's.
        page.sort { ($0.nextAttemptAt, $0.sequence) < ($1.nextAttemptAt, $1.sequence) }
        return page
    }

    /// Releases every claim of `nodes` (nodes that stopped or died), so the messages and strategy timers they held
    /// can be claimed again; how many messages it released.
    package func release(nodes: [String], on connection: PostgresConnection) throws(PostgresError) -> Int {
        guard !nodes.isEmpty else { return 0 }
        return try connection.query(Self.releaseStatement(nodes)).affected
    }

    /// The statement ``release(nodes:on:)`` runs, for a transaction of the caller's (it counts the messages).
    package static func releaseStatement(_ nodes: [String]) -> PostgresStatement {
        PostgresStatement(
            """
            WITH timers AS (UPDATE run_timers SET claimed_by = NULL WHERE claimed_by = ANY($1::text[]))
            UPDATE messages SET claimed_by = NULL, claimed_until = NULL
            WHERE state = 'queued' AND claimed_by = ANY($1::text[])
            """, [PostgresArray.text(nodes)])
    }

    /// Gives up this node's claims on `sequences` (messages it cannot hold now); how many it still held.
    package func unclaim(_ sequences: [Int64], on connection: PostgresConnection) throws(PostgresError) -> Int {
        guard !sequences.isEmpty else { return 0 }
        return try connection.query(
            PostgresStatement(
                "UPDATE messages SET claimed_by = NULL WHERE seq = ANY($1::bigint[]) AND claimed_by = $2",
                [PostgresArray.bigint(sequences), node])
        ).affected
    }

    /// Records a dispatcher turn's attempts in one statement (its own transaction): the messages this node holds
    /// take their new state, and are released unless they stay queued (a retry is sent again by the same node);
    /// every attempt is kept. Sent messages of a channel in `pollDelays` are queued for receipt queries.
    package func complete(
        _ records: [AttemptRecord], pollDelays: [String: Int64] = [:], collectChanges: Bool = false,
        on connection: PostgresConnection
    ) throws(PostgresError) -> Completion {
        guard !records.isEmpty else { return Completion(applied: 0, lost: 0) }
        func column(_ value: (AttemptRecord) -> String?) -> String { PostgresArray.text(records.lazy.map(value)) }
        // Due times of receipt queries, 0 where the channel does not poll (or the send did not go out).
        let pollDue = records.map { record -> Int64 in
            guard record.state == .sent, record.vendorMessageID != nil, let delay = pollDelays[record.channel] else {
                return 0
            }
            return record.finishedAt + delay
        }
        let rows = try connection.query(
            PostgresStatement(
                """
                WITH r AS (
                    SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                        $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::text[], $12::bigint[], $13::text[],
                        $14::bigint[])
                        AS r(seq, state, attempt, next_at, vendor_id, reason, code, detail, started, finished, outcome,
                            http, node, poll_due)),
                updated AS (
                    UPDATE messages m SET state = r.state, attempts = greatest(m.attempts, r.attempt),
                        next_attempt_at = r.next_at, vendor_message_id = coalesce(r.vendor_id, m.vendor_message_id),
                        reason = r.reason, reason_code = r.code, reason_detail = r.detail, updated_at = r.finished,
                        claimed_by = CASE WHEN r.state = 'queued' THEN m.claimed_by END, claimed_until = NULL
                    FROM r WHERE m.seq = r.seq AND m.claimed_by = r.node
                    RETURNING m.seq, m.id, m.customer, m.category, m.channel, r.poll_due, r.finished),
                kept AS (
                    INSERT INTO attempts (message_seq, attempt, started_at, finished_at, outcome, http_status, reason,
                        vendor_code, detail)
                    SELECT seq, attempt, started, finished, outcome, http, reason, code, detail FROM r),
                polls AS (
                    INSERT INTO poll_queue (seq, channel, sent_at, due_at)
                    SELECT seq, channel, finished, poll_due FROM updated WHERE poll_due > 0
                    ON CONFLICT (seq) DO UPDATE SET sent_at = excluded.sent_at, due_at = excluded.due_at)
                SELECT seq, id, customer, category, channel FROM updated
                """,
                [
                    PostgresArray.bigint(records.map(\.sequence)), column { $0.state.messageState.rawValue },
                    PostgresArray.bigint(records.map { Int64($0.attempt) }),
                    PostgresArray.bigint(records.map(\.nextAttemptAt)), column(\.vendorMessageID),
                    column { $0.reason?.category.name }, column { $0.reason?.vendorCode },
                    column { $0.reason?.detail }, PostgresArray.bigint(records.map(\.startedAt)),
                    PostgresArray.bigint(records.map(\.finishedAt)), column(\.outcome.rawValue),
                    PostgresArray.bigint(records.map { $0.httpStatus.map(Int64.init) }), column { _ in node },
                    PostgresArray.bigint(pollDue),
                ]))
        var completion = Completion(applied: rows.rows.count, lost: records.count - rows.rows.count)
        guard collectChanges else { return completion }
        var bySequence: [Int64: AttemptRecord] = [:]
        for record in records { bySequence[record.sequence] = record }
        for row in rows.rows {
            guard let sequence = row[0].flatMap({ Int64($0) }), let record = bySequence[sequence] else { continue }
            let state: MessageState =
                switch record.outcome {
                case .retry: .retrying
                case .ambiguous where record.state == .queued: .retrying
                case .failedOver: .failedOver
                default: record.state.messageState
                }
            completion.changes.append(
                StateChange(
                    messageID: row[1] ?? "", customer: try? cipher.open(row[2]), channel: row[4] ?? "",
                    category: row[3] ?? "", state: state, reason: record.reason?.category.name, at: record.finishedAt))
        }
        return completion
    }

    /// Moves failed messages to their instances' backups (one transaction): each still queued gets a new number,
    /// so the backup's dispatcher pages it after what it has read, and is released; its attempts follow it.
    /// - Returns: the old numbers of the messages moved.
    package func failover(_ moves: [FailoverMove], now: Int64, on connection: PostgresConnection)
        throws(PostgresError) -> Set<Int64>
    {
        guard !moves.isEmpty else { return [] }
        let rows = try connection.transaction([
            PostgresStatement(
                """
                WITH mv AS (
                    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) AS mv(seq, channel, origin)),
                moved AS (
                    UPDATE messages m SET seq = DEFAULT, channel = mv.channel, origin_channel = mv.origin,
                        attempts = 0, next_attempt_at = 0, updated_at = $4, claimed_by = NULL, claimed_until = NULL
                    FROM mv WHERE m.seq = mv.seq AND m.state = 'queued'
                    RETURNING mv.seq AS old, m.seq AS new),
                renumbered AS (
                    UPDATE attempts a SET message_seq = moved.new FROM moved WHERE a.message_seq = moved.old)
                SELECT old FROM moved
                """,
                [
                    PostgresArray.bigint(moves.map(\.sequence)), PostgresArray.text(moves.lazy.map(\.channel)),
                    PostgresArray.text(moves.lazy.map(\.origin)), String(now),
                ])
        ])
        return Set(rows.first?.rows.compactMap { $0[0].flatMap { Int64($0) } } ?? [])
    }

    /// One claimed row as the dispatcher takes it, its sealed fields opened.
    private func stored(_ row: [String?], channel: String) throws(StoreError) -> StoredMessage {
        var params: [String: String] = [:]
        if let text = try cipher.open(row[5]), case .object(let members)? = try? JSONParser.parse(text) {
            for (key, value) in members { params[key] = value.scalarText ?? "" }
        }
        let message = OutboundMessage(
            id: row[1] ?? "", channel: channel, recipient: try cipher.open(row[2]) ?? "",
            category: MessageCategory(name: row[3] ?? "") ?? .transactional, template: row[4], params: params,
            content: try cipher.open(row[6]), title: try cipher.open(row[10]), url: try cipher.open(row[11]))
        return StoredMessage(
            sequence: row[0].flatMap { Int64($0) } ?? 0, message: message, notAfter: row[7].flatMap { Int64($0) },
            attempts: row[8].flatMap { Int($0) } ?? 0, nextAttemptAt: row[9].flatMap { Int64($0) } ?? 0,
            failedOverFrom: row[12], runID: row[13].flatMap { Int64($0) })
    }
}
