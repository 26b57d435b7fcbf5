/// The writer's prepared statements for receipts.
struct ReceiptStatements {
    /// Keeps a receipt once (by fingerprint), already matched to its message when that is known: one row written,
    /// no second update to link it.
    let insert: SQLiteStatement
    let messageByID: SQLiteStatement
    let messagesByVendorID: SQLiteStatement
    /// Confirms a ``BatchRecipients`` hint: the message still has this channel and vendor id.
    let messageBySequence: SQLiteStatement
    /// Batch sends' members by recipient, across commits (touched by the writer thread only).
    let batchRecipients = BatchRecipients()
    /// The event hooks' state across commits (affinity settings, strategy rules, timers added).
    let runEvents = RunEventState()
    let setState: SQLiteStatement
    let match: SQLiteStatement
    let unmatched: SQLiteStatement
    let ofMessage: SQLiteStatement

    init(_ database: SQLiteDatabase) throws(StoreError) {
        insert = try database.prepare(
            """
            INSERT OR IGNORE INTO receipts (channel, vendor_message_id, message_id, recipient, event, reason,
                vendor_status, occurred_at, received_at, fingerprint, message_seq)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
            """)
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
        match = try database.prepare("UPDATE receipts SET message_seq = ?2 WHERE seq = ?1")
        unmatched = try database.prepare(
            """
            SELECT seq, recipient, event, reason, vendor_status, occurred_at, received_at FROM receipts
            WHERE channel = ?1 AND vendor_message_id = ?2 AND message_seq IS NULL
            """)
        ofMessage = try database.prepare(
            "SELECT event, reason, vendor_status, occurred_at, received_at FROM receipts WHERE message_seq = ?1 ORDER BY seq"
        )
    }
}
