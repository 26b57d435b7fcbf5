import Logging

/// Version 8: a matched receipt is kept under its message, `(message_seq, digest)` in a table without rowids;
/// receipts that wait for their message are kept apart, in `receipts_unmatched`.
///
/// Receipts come in the order the vendor reports them, not the order of sending. Version 7 kept each in a rowid
/// table with a unique index on the fingerprint and an index by message, so a receipt wrote three random pages (its
/// message's row, the fingerprint's leaf and the message index's leaf) and SQLite's writer spent its time on WAL
/// page writes. Keyed by its message, the receipt row is its own lookup and dedup index, on a page beside its
/// message's other receipts: two random pages per receipt. The digest is the fingerprint without the vendor's id
/// that leads it (``FieldCipher/receiptDigest(_:channel:event:)``): under the message, the id adds nothing.
///
/// Both tables keep `arrival`, the order receipts were kept in, for a message's timeline (version 7's `seq`). A
/// waiting receipt keeps its `seq` (a forget sweep's cursor runs over them) and is moved under its message when
/// the send's reply names it. Version 7's index by time of receipt is not kept: nothing read it.
extension StoreSchema {
    /// The fingerprint (`v:<id>\n<digest>`, or an older store's bare digest, or `click:<token>`) to the digest.
    private static let digestOfFingerprint = """
        CASE WHEN fingerprint GLOB 'v:*' THEN substr(fingerprint, instr(fingerprint, char(10)) + 1)
            ELSE fingerprint END
        """

    private static let copiedFields = """
        channel, vendor_message_id, message_id, recipient, event, reason, vendor_status, occurred_at, received_at
        """

    /// Copies version 7's receipts into the two tables in one transaction (a crash or a failure leaves version 7
    /// as it was), with a 64 MiB page cache for the copy, given back after. Matched receipts are read in message
    /// order (the `receipts_message` index), so the new b-tree is appended to. A fingerprint kept twice, in an
    /// older form and the current one (a downgrade and back), is one receipt: the second copy is dropped.
    static func migrateToReceiptKeys(_ database: SQLiteDatabase, logger: Logger, progress: (String) -> Void)
        throws(StoreError)
    {
        // The heartbeat holds the closure only while the migration runs.
        try withoutActuallyEscaping(progress) { progress throws(StoreError) in
            try migrateToReceiptKeys(database, logger: logger, escapingProgress: progress)
        }
    }

    private static func migrateToReceiptKeys(
        _ database: SQLiteDatabase, logger: Logger, escapingProgress progress: @escaping (String) -> Void
    ) throws(StoreError) {
        let count = try database.prepare("SELECT COALESCE(MAX(seq), 0) FROM receipts")
        let receipts = try count.step() ? count.int64(0) ?? 0 : 0
        count.reset()
        let started = ContinuousClock.now
        // Silent for a store without receipts.
        let announce: (String) -> Void = { message in
            guard receipts > 0 else { return }
            logger.notice("store: \(message)", metadata: ["receipts": "\(receipts)"])
            progress(message)
        }
        announce("keying receipts by message (schema version 8): the receipts table is rewritten once")
        try database.withHeartbeat(every: .seconds(5), { if receipts > 0 { progress("keying receipts …") } }) {
            () throws(StoreError) in
            try database.execute("PRAGMA cache_size = -65536; BEGIN IMMEDIATE;")
            do throws(StoreError) {
                try database.execute(
                    """
                    CREATE TABLE receipts_v8 (
                        message_seq INTEGER NOT NULL,
                        digest TEXT NOT NULL,
                        arrival INTEGER NOT NULL,
                        channel TEXT NOT NULL,
                        vendor_message_id TEXT,
                        message_id TEXT,
                        recipient TEXT,
                        event TEXT NOT NULL,
                        reason TEXT,
                        vendor_status TEXT,
                        occurred_at INTEGER,
                        received_at INTEGER NOT NULL,
                        PRIMARY KEY (message_seq, digest)
                    ) WITHOUT ROWID;
                    INSERT OR IGNORE INTO receipts_v8 (message_seq, digest, arrival, \(copiedFields))
                    SELECT message_seq, \(digestOfFingerprint), seq, \(copiedFields) FROM receipts
                    WHERE message_seq IS NOT NULL ORDER BY message_seq, seq;
                    CREATE TABLE receipts_unmatched_v8 (
                        seq INTEGER PRIMARY KEY,
                        digest TEXT NOT NULL UNIQUE,
                        arrival INTEGER NOT NULL,
                        channel TEXT NOT NULL,
                        vendor_message_id TEXT,
                        message_id TEXT,
                        recipient TEXT,
                        event TEXT NOT NULL,
                        reason TEXT,
                        vendor_status TEXT,
                        occurred_at INTEGER,
                        received_at INTEGER NOT NULL
                    );
                    INSERT OR IGNORE INTO receipts_unmatched_v8 (seq, digest, arrival, \(copiedFields))
                    SELECT seq, \(digestOfFingerprint), seq, \(copiedFields) FROM receipts
                    WHERE message_seq IS NULL ORDER BY seq;
                    DROP TABLE receipts;
                    ALTER TABLE receipts_v8 RENAME TO receipts;
                    ALTER TABLE receipts_unmatched_v8 RENAME TO receipts_unmatched;
                    CREATE INDEX receipts_unmatched_vendor ON receipts_unmatched (channel, vendor_message_id);
                    PRAGMA user_version = 8;
                    COMMIT;
                    """)
            } catch {
                try? database.execute("ROLLBACK;")
                database.releaseMemory()
                throw error
            }
            if receipts > 0 {
                // The rewrite went through the WAL: copied back and truncated now, not behind live commits.
                announce("keying receipts: checkpointing the rewrite")
                try database.execute("PRAGMA wal_checkpoint(TRUNCATE);")
            }
            database.releaseMemory()
        }
        announce("receipts keyed by message in \(ContinuousClock.now - started)")
    }
}
