/// The store's tables, created or upgraded when the store opens.
enum StoreSchema {
    static let version = 1

    static func migrate(_ database: SQLiteDatabase) throws(StoreError) {
        // WAL lets the dispatcher's reader run beside the writer; FULL makes each commit survive power loss,
        // which is what an ACK promises. Group commit keeps the fsync count low.
        try database.execute(
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA foreign_keys = OFF;
            CREATE TABLE IF NOT EXISTS messages (
                seq INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                channel TEXT NOT NULL,
                recipient TEXT NOT NULL,
                category TEXT NOT NULL,
                template TEXT,
                params TEXT,
                content TEXT,
                dedup_key TEXT,
                created_at INTEGER NOT NULL,
                not_after INTEGER,
                state TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL DEFAULT 0,
                vendor_message_id TEXT,
                reason TEXT,
                reason_code TEXT,
                reason_detail TEXT,
                updated_at INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS messages_queued ON messages (channel, seq) WHERE state = 'queued';
            CREATE INDEX IF NOT EXISTS messages_finished ON messages (updated_at) WHERE state != 'queued';
            CREATE TABLE IF NOT EXISTS attempts (
                message_seq INTEGER NOT NULL,
                attempt INTEGER NOT NULL,
                started_at INTEGER NOT NULL,
                finished_at INTEGER NOT NULL,
                outcome TEXT NOT NULL,
                http_status INTEGER,
                reason TEXT,
                vendor_code TEXT,
                detail TEXT
            );
            CREATE INDEX IF NOT EXISTS attempts_message ON attempts (message_seq);
            CREATE TABLE IF NOT EXISTS dedup (
                key TEXT PRIMARY KEY,
                message_id TEXT NOT NULL,
                created_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS dedup_created ON dedup (created_at);
            PRAGMA user_version = \(version);
            """
        )
    }
}
