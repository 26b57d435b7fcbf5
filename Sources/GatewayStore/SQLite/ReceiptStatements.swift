/// The writer's prepared statements for receipts.
///
/// A matched receipt is kept under its message, `(message_seq, digest)` (schema version 8): the row is its own
/// dedup key, on a page beside the message's other receipts. One that waits for its message is kept in
/// `receipts_unmatched` (by digest) until the send's reply names it. Both inserts take the same parameters:
/// ?1 the message's `seq` (unused while waiting), ?2 the digest, ?3 the arrival, then the receipt's fields.
struct ReceiptStatements {
    /// Keeps a matched receipt once (by message and digest): one row written, no index beside it.
    let insert: SQLiteStatement
    /// Keeps a receipt without a message once (by digest).
    let insertUnmatched: SQLiteStatement
    /// Whether a digest waits without a message: a matched receipt's earlier copy may be one.
    let waiting: SQLiteStatement
    let messageByID: SQLiteStatement
    let messagesByVendorID: SQLiteStatement
    /// Confirms a ``BatchRecipients`` hint: the message still has this channel and vendor id.
    let messageBySequence: SQLiteStatement
    /// Batch sends' members by recipient, across commits (touched by the writer thread only).
    let batchRecipients = BatchRecipients()
    /// The event hooks' state across commits (affinity settings, strategy rules, timers added).
    let runEvents = RunEventState()
    let setState: SQLiteStatement
    /// Moves a waiting receipt under its message; `unwait` then drops it from the waiting ones.
    let match: SQLiteStatement
    let unwait: SQLiteStatement
    let unmatched: SQLiteStatement
    let ofMessage: SQLiteStatement

    init(_ database: SQLiteDatabase) throws(StoreError) {
        insert = try database.prepare(
            """
            INSERT OR IGNORE INTO receipts (message_seq, digest, arrival, channel, vendor_message_id, message_id,
                recipient, event, reason, vendor_status, occurred_at, received_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """)
        insertUnmatched = try database.prepare(
            """
            INSERT OR IGNORE INTO receipts_unmatched (digest, arrival, channel, vendor_message_id, message_id,
                recipient, event, reason, vendor_status, occurred_at, received_at)
            VALUES (?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
            """)
        waiting = try database.prepare("SELECT 1 FROM receipts_unmatched WHERE digest = ?1")
        messageByID = try database.prepare(
            "SELECT seq, state = 'sent', updated_at, run_id, run_visit FROM messages WHERE id = ?1 AND channel = ?2")
        messagesByVendorID = try database.prepare(
            """
            SELECT seq, recipient, state = 'sent', updated_at, run_id, run_visit FROM messages
            WHERE channel = ?1 AND vendor_message_id = ?2
            """
        )
        messageBySequence = try database.prepare(
            """
            SELECT state = 'sent', updated_at, run_id, run_visit FROM messages
            WHERE seq = ?1 AND channel = ?2 AND vendor_message_id = ?3
            """
        )
        // Receipts only move a message forward: a delivered (or answered…) message never goes back to sent, and a
        // second receipt for a finished delivery changes nothing.
        setState = try database.prepare(
            """
            UPDATE messages SET state = ?2, reason = COALESCE(?3, reason), reason_code = COALESCE(?4, reason_code),
                reason_detail = COALESCE(?5, reason_detail), updated_at = ?6
            WHERE seq = ?1 AND state IN ('queued', 'sent')
            """)
        match = try database.prepare(
            """
            INSERT OR IGNORE INTO receipts (message_seq, digest, arrival, channel, vendor_message_id, message_id,
                recipient, event, reason, vendor_status, occurred_at, received_at)
            SELECT ?2, digest, arrival, channel, vendor_message_id, message_id, recipient, event, reason,
                vendor_status, occurred_at, received_at
            FROM receipts_unmatched WHERE seq = ?1
            """)
        unwait = try database.prepare("DELETE FROM receipts_unmatched WHERE seq = ?1")
        unmatched = try database.prepare(
            """
            SELECT seq, recipient, event, reason, vendor_status, occurred_at FROM receipts_unmatched
            WHERE channel = ?1 AND vendor_message_id = ?2
            """)
        ofMessage = try database.prepare(
            """
            SELECT event, reason, vendor_status, occurred_at, received_at FROM receipts WHERE message_seq = ?1
            ORDER BY arrival
            """)
    }
}
