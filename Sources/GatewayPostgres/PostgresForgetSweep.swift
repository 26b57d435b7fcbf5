import ChannelKit
import GatewayStore

/// The forget sweep on PostgreSQL (design §12, as SQLite's `StoreWriter+ForgetSweep`): messages sent to a forgotten
/// customer's addresses without its customer id cannot be found by index (recipients are sealed with random
/// nonces), so a `forget_jobs` row drives a scan in bounded turns, comparing normalized recipients.
///
/// A job's `cursor` is where it stands: `>= 0` the last message `seq` scanned; `< 0` the receipts phase, at receipt
/// `seq` `-cursor - 1`. The row is deleted at the end. Only messages created before the forget are swept. Each turn
/// locks its job row (`FOR UPDATE SKIP LOCKED`), so with several nodes only one works a job at a time and the
/// others pass on to another job or to nothing.
struct PostgresForgetSweep {
    let cipher: FieldCipher
    /// This node, named to the others when a turn cancels messages they may hold (``PostgresWithdrawals``).
    let node: String

    /// Rows a turn looks at, at most (SQLite's `StoreWriter.sweepBatch`).
    static let batch: Int64 = 5000

    /// What a turn did.
    struct Turn {
        /// Whether a job was worked (one may remain: sweep again soon).
        var worked = false
        /// Queued messages it cancelled, for the dispatcher.
        var cancelled: [HeldRuns.Message] = []
    }

    /// One turn of job `job` (nil: the oldest no other node is working), in the caller's transaction.
    func turn(job: Int64? = nil, now: Int64, on connection: PostgresConnection) throws(PostgresError) -> Turn {
        let found = try connection.batch([
            PostgresStatement(
                """
                SELECT seq, subject_hash, addresses_sealed, cursor, requested_at FROM forget_jobs
                WHERE $1::bigint IS NULL OR seq = $1 ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED
                """, [job.map(String.init)]),
            PostgresStatement(
                "SELECT (SELECT coalesce(max(seq), 0) FROM messages), (SELECT coalesce(max(seq), 0) FROM receipts)"),
        ])
        guard let row = found[0].rows.first, let number = row[0], let hash = row[1] else { return Turn() }
        let cursor = row[3].flatMap { Int64($0) } ?? 0
        let requestedAt = row[4].flatMap { Int64($0) } ?? 0
        let ends = found[1].rows.first
        let addresses = Set(
            try PostgresMessageStore.fields { () throws(StoreError) in
                try CustomerAttributes.decode(try cipher.open(row[2])).values.map(PolicySubject.normalized)
            })
        var turn = Turn(worked: true)
        let next: Int64?
        if cursor >= 0 {
            let end = ends?[0].flatMap { Int64($0) } ?? 0
            let last = min(cursor + Self.batch, end)
            let matched = try scan(
                PostgresStatement(
                    """
                    SELECT seq, recipient FROM messages
                    WHERE seq > $1 AND seq <= $2 AND created_at <= $3 AND recipient != ''
                    """, [String(cursor), String(last), String(requestedAt)]), addresses, on: connection)
            if !matched.isEmpty {
                turn.cancelled = try scrub(matched, hash: hash, now: now, on: connection)
            }
            next = last >= end ? -1 : last
        } else {
            let end = ends?[1].flatMap { Int64($0) } ?? 0
            let position = -cursor - 1
            let last = min(position + Self.batch, end)
            let matched = try scan(
                PostgresStatement(
                    """
                    SELECT seq, recipient FROM receipts
                    WHERE seq > $1 AND seq <= $2 AND message_seq IS NULL AND recipient IS NOT NULL
                    """, [String(position), String(last)]), addresses, on: connection)
            if !matched.isEmpty {
                _ = try connection.query(
                    PostgresStatement(
                        "UPDATE receipts SET recipient = NULL WHERE seq = ANY($1::bigint[])",
                        [PostgresArray.bigint(matched)]))
            }
            next = last >= end ? nil : -(last + 1)
        }
        if let next {
            _ = try connection.query(
                PostgresStatement("UPDATE forget_jobs SET cursor = $2 WHERE seq = $1", [number, String(next)]))
        } else {
            _ = try connection.query(PostgresStatement("DELETE FROM forget_jobs WHERE seq = $1", [number]))
        }
        return turn
    }

    /// How far the oldest job of `hash` has come; `done` when it has none.
    func progress(hash: String, on connection: PostgresConnection) throws(PostgresError) -> ForgetResult {
        var result = ForgetResult(customerHash: hash, known: false)
        let rows = try connection.query(
            PostgresStatement(
                """
                SELECT cursor, (SELECT coalesce(max(seq), 0) FROM messages), (SELECT coalesce(max(seq), 0) FROM receipts)
                FROM forget_jobs WHERE subject_hash = $1 ORDER BY seq LIMIT 1
                """, [hash]))
        guard let row = rows.rows.first else {
            result.progress = 1
            return result
        }
        let cursor = row[0].flatMap { Int64($0) } ?? 0
        let messages = Double(max(1, row[1].flatMap { Int64($0) } ?? 0))
        let receipts = Double(max(1, row[2].flatMap { Int64($0) } ?? 0))
        result.sweep = .pending
        // Messages are most of the work: 90 %, receipts kept without a message the rest.
        result.progress = cursor >= 0 ? 0.9 * Double(cursor) / messages : 0.9 + 0.1 * Double(-cursor - 1) / receipts
        return result
    }

    /// The rows of `statement` (`seq, recipient`) whose recipient, opened and normalized, is one of `addresses`.
    private func scan(
        _ statement: PostgresStatement, _ addresses: Set<String>, on connection: PostgresConnection
    ) throws(PostgresError) -> [Int64] {
        let rows = try connection.query(statement)
        return try PostgresMessageStore.fields { () throws(StoreError) -> [Int64] in
            var matched: [Int64] = []
            for row in rows.rows {
                guard let sequence = row[0].flatMap({ Int64($0) }), let recipient = try cipher.open(row[1]) else {
                    continue
                }
                if addresses.contains(PolicySubject.normalized(recipient)) { matched.append(sequence) }
            }
            return matched
        }
    }

    /// What `forget` does to messages found by customer number, for messages found by address; the queued ones it
    /// cancelled.
    private func scrub(_ sequences: [Int64], hash: String, now: Int64, on connection: PostgresConnection)
        throws(PostgresError) -> [HeldRuns.Message]
    {
        let list = PostgresArray.bigint(sequences)
        let sealedHash = try PostgresMessageStore.fields { () throws(StoreError) in try cipher.seal(hash) }
        let results = try connection.batch([
            PostgresStatement("UPDATE receipts SET recipient = NULL WHERE message_seq = ANY($1::bigint[])", [list]),
            PostgresStatement("UPDATE tracked_links SET url = '' WHERE message_seq = ANY($1::bigint[])", [list]),
            PostgresStatement("UPDATE attempts SET detail = NULL WHERE message_seq = ANY($1::bigint[])", [list]),
            // A queued one the dispatcher may hold in memory, with the address: it must not start (``HeldRuns``).
            PostgresStatement(
                PostgresWithdrawals.notifying(
                    """
                    UPDATE messages SET state = 'cancelled', reason = 'cancelled', reason_code = NULL,
                        reason_detail = 'customer forgotten', updated_at = $2, claimed_by = NULL, claimed_until = NULL
                    WHERE seq = ANY($1::bigint[]) AND state = 'queued' RETURNING seq, channel
                    """, issuer: 3), [list, String(now), node]),
            PostgresStatement(
                """
                UPDATE messages SET recipient = '', content = NULL, params = NULL, title = NULL, url = NULL,
                    dedup_key = NULL, customer = $2, customer_key = $3
                WHERE seq = ANY($1::bigint[])
                """, [list, sealedHash, hash]),
        ])
        return results[3].rows.map { row in
            HeldRuns.Message(sequence: row[0].flatMap { Int64($0) } ?? 0, channel: row[1] ?? "")
        }
    }
}
