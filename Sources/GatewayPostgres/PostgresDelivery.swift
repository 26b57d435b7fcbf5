package import ChannelKit
internal import ControlProtocol
package import GatewayStore

/// Queued messages on PostgreSQL as several nodes share them: claimed in batches with a lease, completed in
/// batches, taken over after a lease ends (docs/design/postgresql.md §3).
///
/// A claim is one statement: the lane's due, unclaimed (or lease-expired) messages in order, locked with
/// `FOR UPDATE SKIP LOCKED` so concurrent claimers pass over each other's rows instead of waiting, and marked with
/// the node and its lease (Oban's and River's fetch). A completion is one statement for a whole dispatcher turn:
/// the message rows the node still holds are updated and released, and every attempt is recorded, even one whose
/// message was taken over meanwhile (it happened; the vendor may have it twice, which ``Completion/lost`` counts).
///
/// A claim exists only on a queued message: every change out of `queued` clears it. So "claimed by this node" is
/// the whole test of ownership, and the statements name no `state`: a `state = 'queued'` term lets the planner,
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
    package struct Completion: Sendable, Equatable {
        /// Messages whose state the records set.
        package var applied: Int
        /// Records whose message this node no longer held (its lease ended and another node took it, or it was
        /// cancelled): their attempts are kept, their states are not.
        package var lost: Int

        package init(applied: Int, lost: Int) {
            self.applied = applied
            self.lost = lost
        }
    }

    /// Claims up to `limit` due messages of one lane of an instance until `now + lease`, earliest due first.
    package func claim(
        channel: String, lane: PriorityLane, limit: Int, now: Int64, lease: Int64, on connection: PostgresConnection
    ) throws(PostgresError) -> [StoredMessage] {
        // The inner select walks messages_ready (channel, priority, next_attempt_at, seq) WHERE state = 'queued'.
        let rows = try connection.query(
            PostgresStatement(
                """
                WITH ready AS (
                    SELECT seq FROM messages
                    WHERE channel = $1 AND priority = $2 AND state = 'queued' AND next_attempt_at <= $3
                        AND (claimed_until IS NULL OR claimed_until < $3)
                    ORDER BY next_attempt_at, seq LIMIT $4
                    FOR UPDATE SKIP LOCKED)
                UPDATE messages m SET claimed_by = $5, claimed_until = $6 FROM ready WHERE m.seq = ready.seq
                RETURNING m.seq, m.id, m.recipient, m.category, m.template, m.params, m.content, m.not_after,
                    m.attempts, m.next_attempt_at, m.title, m.url, m.origin_channel, m.run_id
                """,
                [channel, String(lane.rawValue), String(now), String(limit), node, String(now + lease)]))
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

    /// Extends this node's claim on messages still in flight to `until`; how many it still held.
    package func renew(_ sequences: [Int64], until: Int64, on connection: PostgresConnection) throws(PostgresError)
        -> Int
    {
        guard !sequences.isEmpty else { return 0 }
        return try connection.query(
            PostgresStatement(
                """
                UPDATE messages SET claimed_until = $3 WHERE seq = ANY($1::bigint[]) AND claimed_by = $2
                """, [PostgresArray.bigint(sequences), node, String(until)])
        ).affected
    }

    /// Records a dispatcher turn's attempts in one statement (its own transaction): the messages this node holds
    /// take their new state and are released (a retry is claimable again when due); every attempt is kept.
    package func complete(_ records: [AttemptRecord], on connection: PostgresConnection) throws(PostgresError)
        -> Completion
    {
        guard !records.isEmpty else { return Completion(applied: 0, lost: 0) }
        func column(_ value: (AttemptRecord) -> String?) -> String { PostgresArray.text(records.lazy.map(value)) }
        let rows = try connection.query(
            PostgresStatement(
                """
                WITH r AS (
                    SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                        $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::text[], $12::bigint[], $13::text[])
                        AS r(seq, state, attempt, next_at, vendor_id, reason, code, detail, started, finished, outcome,
                            http, node)),
                updated AS (
                    UPDATE messages m SET state = r.state, attempts = greatest(m.attempts, r.attempt),
                        next_attempt_at = r.next_at, vendor_message_id = coalesce(r.vendor_id, m.vendor_message_id),
                        reason = r.reason, reason_code = r.code, reason_detail = r.detail, updated_at = r.finished,
                        claimed_by = NULL, claimed_until = NULL
                    FROM r WHERE m.seq = r.seq AND m.claimed_by = r.node
                    RETURNING m.seq),
                kept AS (
                    INSERT INTO attempts (message_seq, attempt, started_at, finished_at, outcome, http_status, reason,
                        vendor_code, detail)
                    SELECT seq, attempt, started, finished, outcome, http, reason, code, detail FROM r)
                SELECT count(*) FROM updated
                """,
                [
                    PostgresArray.bigint(records.map(\.sequence)), column { $0.state.messageState.rawValue },
                    PostgresArray.bigint(records.map { Int64($0.attempt) }),
                    PostgresArray.bigint(records.map(\.nextAttemptAt)), column(\.vendorMessageID),
                    column { $0.reason?.category.name }, column { $0.reason?.vendorCode },
                    column { $0.reason?.detail }, PostgresArray.bigint(records.map(\.startedAt)),
                    PostgresArray.bigint(records.map(\.finishedAt)), column(\.outcome.rawValue),
                    PostgresArray.bigint(records.map { $0.httpStatus.map(Int64.init) }), column { _ in node },
                ]))
        let applied = Int(rows.scalar ?? "") ?? 0
        return Completion(applied: applied, lost: records.count - applied)
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
