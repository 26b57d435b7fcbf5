/// The store's tables, created or upgraded when the store opens.
enum StoreSchema {
    static let version = 4

    static func migrate(_ database: SQLiteDatabase) throws(StoreError) {
        let versionQuery = try database.prepare("PRAGMA user_version")
        let existing = try versionQuery.step() ? versionQuery.int(0) : 0
        versionQuery.reset()
        // WAL lets the dispatcher's reader run beside the writer; FULL makes each commit survive power loss,
        // which is what an ACK promises. Group commit keeps the fsync count low.
        //
        // The writer's page cache is 4 MiB (SQLite's default is 2 MiB): receipts come in the order the vendor
        // reports, not the order of sending, so each lands on a message row and index pages far from the last
        // one's; a larger cache reads fewer of them back. The readers keep the default. (Checkpointing less often,
        // every 4,096 WAL pages, gained nothing clear in ./bench-receipts and would make the commit that
        // checkpoints, and the ACKs behind it, wait longer.)
        try database.execute(
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA cache_size = -4096;
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
            """
        )
        if existing < 2 {
            // Version 2: customers, priority lanes, frequency-cap counting and the consent registry. Queued
            // messages keep their place; their lane follows from their category, as `PriorityLane.init(_:)` maps it.
            try database.execute(
                """
                BEGIN IMMEDIATE;
                ALTER TABLE messages ADD COLUMN customer TEXT;
                ALTER TABLE messages ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
                ALTER TABLE messages ADD COLUMN title TEXT;
                ALTER TABLE messages ADD COLUMN url TEXT;
                ALTER TABLE messages ADD COLUMN origin_channel TEXT;
                UPDATE messages SET priority = CASE category WHEN 'critical' THEN 0 WHEN 'marketing' THEN 2 ELSE 1 END;
                DROP INDEX IF EXISTS messages_queued;
                CREATE INDEX messages_lane ON messages (channel, priority, seq) WHERE state = 'queued';
                CREATE TABLE cap_events (
                    subject TEXT NOT NULL,
                    channel_type TEXT NOT NULL,
                    category TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    message_id TEXT NOT NULL
                );
                CREATE INDEX cap_events_subject ON cap_events (subject, category, at);
                CREATE INDEX cap_events_at ON cap_events (at);
                CREATE TABLE consent_log (
                    seq INTEGER PRIMARY KEY,
                    subject TEXT NOT NULL,
                    subject_kind TEXT NOT NULL,
                    subject_text TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    action TEXT NOT NULL,
                    route TEXT NOT NULL,
                    evidence TEXT,
                    client TEXT NOT NULL,
                    at INTEGER NOT NULL
                );
                CREATE INDEX consent_log_subject ON consent_log (subject, seq);
                CREATE TABLE consent_state (
                    subject TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    opted_out INTEGER NOT NULL,
                    log_seq INTEGER NOT NULL,
                    PRIMARY KEY (subject, channel)
                ) WITHOUT ROWID;
                PRAGMA user_version = 2;
                COMMIT;
                """
            )
        }
        if existing < 3 {
            // Version 3: vendor receipts. Each is kept (matched or not) exactly once; matching by the vendor's id
            // uses messages_vendor, and receipts that arrive before their send's reply wait in receipts_unmatched.
            try database.execute(
                """
                BEGIN IMMEDIATE;
                CREATE INDEX messages_vendor ON messages (channel, vendor_message_id)
                    WHERE vendor_message_id IS NOT NULL;
                CREATE TABLE receipts (
                    seq INTEGER PRIMARY KEY,
                    channel TEXT NOT NULL,
                    message_seq INTEGER,
                    vendor_message_id TEXT,
                    message_id TEXT,
                    recipient TEXT,
                    event TEXT NOT NULL,
                    reason TEXT,
                    vendor_status TEXT,
                    occurred_at INTEGER,
                    received_at INTEGER NOT NULL,
                    fingerprint TEXT NOT NULL UNIQUE
                );
                CREATE INDEX receipts_unmatched ON receipts (channel, vendor_message_id) WHERE message_seq IS NULL;
                CREATE INDEX receipts_message ON receipts (message_seq);
                CREATE INDEX receipts_received ON receipts (received_at);
                CREATE TABLE engagement_events (
                    event_id TEXT PRIMARY KEY,
                    message_seq INTEGER,
                    subject TEXT,
                    type TEXT NOT NULL,
                    value TEXT,
                    occurred_at INTEGER NOT NULL,
                    client TEXT NOT NULL,
                    received_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX engagement_message ON engagement_events (message_seq);
                CREATE INDEX engagement_subject ON engagement_events (subject);
                CREATE TABLE tracked_links (
                    token TEXT PRIMARY KEY,
                    message_seq INTEGER NOT NULL,
                    channel TEXT NOT NULL,
                    url TEXT NOT NULL,
                    clicks INTEGER NOT NULL DEFAULT 0,
                    first_click_at INTEGER
                ) WITHOUT ROWID;
                CREATE INDEX tracked_links_message ON tracked_links (message_seq);
                CREATE TABLE poll_queue (
                    seq INTEGER PRIMARY KEY,
                    channel TEXT NOT NULL,
                    sent_at INTEGER NOT NULL,
                    due_at INTEGER NOT NULL
                );
                CREATE INDEX poll_queue_due ON poll_queue (channel, due_at);
                CREATE TABLE outbox (
                    seq INTEGER PRIMARY KEY,
                    body TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                );
                PRAGMA user_version = 3;
                COMMIT;
                """
            )
        }
        if existing < 4 {
            // Version 4: operator controls that outlive restarts and reloads (an instance's pause).
            try database.execute(
                """
                BEGIN IMMEDIATE;
                CREATE TABLE IF NOT EXISTS instance_controls (
                    channel TEXT PRIMARY KEY,
                    paused INTEGER NOT NULL,
                    changed_at INTEGER NOT NULL,
                    client TEXT NOT NULL
                ) WITHOUT ROWID;
                PRAGMA user_version = 4;
                COMMIT;
                """
            )
        }
    }
}
