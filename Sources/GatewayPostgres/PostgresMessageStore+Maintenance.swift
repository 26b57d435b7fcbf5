import GatewayStore
import Logging

/// Pruning on PostgreSQL, as SQLite prunes (`StoreWriter.prune`): a bounded batch of each kind per turn, so the
/// writer never holds up dispatch for long, then a turn of the forget sweep.
extension PostgresMessageStore {
    /// Rows deleted per kind and turn (SQLite's `StoreWriter.pruneBatch`).
    static let pruneBatch = 5000

    /// Where the prune walk stands, kept as a setting of the writer's session: the walk's state lives exactly as
    /// long as the connection it walks on (an extension cannot add a stored property), only the writer thread uses
    /// it, and a rolled-back prune leaves it where it was. Lost (a new session), the walk starts a new pass.
    private static let pruneCursorSetting = "cgw.prune_cursor"

    /// Deletes cap events older than `capWindow`, dedup keys older than the dedup window, finished messages
    /// created before retention (with their attempts and receipts) and unmatched receipts received before it, a
    /// bounded batch of each.
    /// - Returns: whether a full batch was deleted (more may be left: prune again soon).
    func prune(_ connection: PostgresConnection, now: Int64, capWindow: Int64) -> Bool {
        let batch = Self.pruneBatch
        let cutoff = now - retention
        do {
            // One round trip: the two bounded deletes, then where the walk starts and how far its old prefix goes.
            let first = try connection.batch([
                PostgresStatement(
                    """
                    DELETE FROM cap_events WHERE ctid = ANY(ARRAY(
                        SELECT ctid FROM cap_events WHERE at < $1 LIMIT \(batch)))
                    """, [String(now - capWindow)]),
                PostgresStatement(
                    """
                    DELETE FROM dedup WHERE key = ANY(ARRAY(
                        SELECT key FROM dedup WHERE created_at < $1 LIMIT \(batch)))
                    """, [String(now - dedupWindow)]),
                Self.pruneWalk(createdBefore: cutoff),
                // Enrol keys past their window answer nothing; finished runs go with their history once no goal
                // window can still credit them (counters and entries stay).
                PostgresStatement(
                    """
                    DELETE FROM enrol_keys WHERE (name, cn, key) IN (
                        SELECT name, cn, key FROM enrol_keys WHERE created_at < $1 LIMIT \(batch))
                    """, [String(now - runs.enrolKeyWindow)]),
                PostgresStatement(
                    """
                    WITH old AS (
                        SELECT run_id FROM runs WHERE state = 'finished' AND finished_at < $1 LIMIT \(batch)),
                    steps AS (DELETE FROM run_steps WHERE run_id IN (SELECT run_id FROM old))
                    DELETE FROM runs WHERE run_id IN (SELECT run_id FROM old)
                    """, [String(now - max(retention, Attribution.longestGoalWindow))]),
                // Receipts that never met their message, past retention (a matched one goes with its message).
                PostgresStatement(
                    """
                    DELETE FROM receipts WHERE ctid = ANY(ARRAY(
                        SELECT ctid FROM receipts WHERE message_seq IS NULL AND received_at < $1 LIMIT \(batch)))
                    """, [String(cutoff)]),
            ])
            var full = [0, 1, 3, 4, 5].contains { first[$0].affected >= batch }
            let walk = first[2].rows.first
            let start = walk?[0].flatMap { Int64($0) } ?? 0
            let walked = walk?[1].flatMap { Int($0) } ?? 0
            let end = walk?[2].flatMap { Int64($0) } ?? start
            if try pruneMessages(after: start, through: end, walked: walked, createdBefore: cutoff, on: connection) {
                full = true
            }
            return sweepForgotten(connection, now: now) || full
        } catch {
            logger.warning("pruning failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// One turn of the forget sweep (``PostgresForgetSweep``) in a transaction of its own: the oldest job no other
    /// node is working. The dispatcher hears of the queued messages it cancelled after the commit.
    /// - Returns: whether a job was worked (one may remain: sweep again soon).
    private func sweepForgotten(_ connection: PostgresConnection, now: Int64) -> Bool {
        let sweep = PostgresForgetSweep(cipher: cipher, node: node)
        do {
            try connection.begin()
            let turn = try sweep.turn(now: now, on: connection)
            try connection.commit()
            reportHeld(HeldRuns(messages: turn.cancelled))
            return turn.worked
        } catch {
            connection.rollback()
            logger.warning("sweeping forgotten addresses failed", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The walk of up to a batch of messages in `seq` order from the cursor: the cursor, how many of them come
    /// before the first created since `cutoff`, and the last of those. `seq` follows creation, so no index by time
    /// is needed to find the old ones.
    private static func pruneWalk(createdBefore cutoff: Int64) -> PostgresStatement {
        PostgresStatement(
            """
            WITH start AS (
                SELECT coalesce(nullif(current_setting('\(pruneCursorSetting)', true), '')::bigint, 0) AS seq),
            walk AS (
                SELECT seq, created_at FROM messages WHERE seq > (SELECT seq FROM start) ORDER BY seq LIMIT \(pruneBatch))
            SELECT (SELECT seq FROM start), count(*), max(seq) FROM walk
            WHERE seq < coalesce((SELECT min(seq) FROM walk WHERE created_at >= $1), 9223372036854775807)
            """, [String(cutoff)])
    }

    /// Deletes the finished messages in `(start, end]` created before `cutoff`, attempts and receipts first, and
    /// moves the cursor: on past a whole batch of old messages, else back to the oldest for a new pass (so a
    /// message still queued when a pass went by goes in a later one once it has finished).
    /// - Returns: whether a whole batch was old (more may be left).
    private func pruneMessages(
        after start: Int64, through end: Int64, walked: Int, createdBefore cutoff: Int64,
        on connection: PostgresConnection
    ) throws(PostgresError) -> Bool {
        let cursor = PostgresStatement("SELECT set_config($1, $2, false)", [Self.pruneCursorSetting, "0"])
        guard end > start else {
            if start != 0 { _ = try connection.query(cursor) }
            return false
        }
        let full = walked >= Self.pruneBatch
        let range = "seq > $1 AND seq <= $2 AND state != 'queued' AND created_at < $3"
        let bounds = [String(start), String(end), String(cutoff)]
        // One round trip and one transaction: the cursor moves only if the deletes hold.
        _ = try connection.batch([
            PostgresStatement(
                "DELETE FROM attempts WHERE message_seq IN (SELECT seq FROM messages WHERE \(range))", bounds),
            PostgresStatement(
                "DELETE FROM receipts WHERE message_seq IN (SELECT seq FROM messages WHERE \(range))", bounds),
            PostgresStatement("DELETE FROM messages WHERE \(range)", bounds),
            PostgresStatement(cursor.sql, [Self.pruneCursorSetting, full ? String(end) : "0"]),
        ])
        return full
    }
}
