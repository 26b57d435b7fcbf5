import Logging

/// The store's tables, created or upgraded when the store opens.
enum StoreSchema {
    static let version = 8

    /// Brings the store to `target` (the current version unless a test stops early); refuses a store written by a
    /// newer gatewayd, whose tables this one would misread. `progress` hears the steps of a long migration.
    static func migrate(
        _ database: SQLiteDatabase, to target: Int = version, logger: Logger, progress: (String) -> Void = { _ in }
    ) throws(StoreError) {
        let versionQuery = try database.prepare("PRAGMA user_version")
        let existing = try versionQuery.step() ? versionQuery.int(0) : 0
        versionQuery.reset()
        guard existing <= version else {
            throw StoreError.openFailed(
                "the store's schema is version \(existing), newer than this gatewayd's \(version): run the newer gatewayd"
                    + " or restore a backup taken before it")
        }
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
        if existing < 2, target >= 2 {
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
        if existing < 3, target >= 3 {
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
        if existing < 4, target >= 4 {
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
        if existing < 5, target >= 5 {
            // Version 5: the customer directory and outreach strategies (docs/design/outreach-strategies.md §4).
            // `ck` is the customer key: `FieldCipher.dedupKey("c:" + id)`, as policy subjects are keyed.
            // Addresses, attributes and ids are sealed at rest; `address_key` finds a customer from a reply.
            try database.execute(
                """
                BEGIN IMMEDIATE;
                CREATE TABLE customers (
                    ck TEXT PRIMARY KEY,
                    id_sealed TEXT NOT NULL,
                    zone TEXT,
                    attributes_sealed TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE customer_addresses (
                    ck TEXT NOT NULL,
                    channel_type TEXT NOT NULL,
                    address_key TEXT NOT NULL,
                    address_sealed TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (ck, channel_type)
                ) WITHOUT ROWID;
                CREATE INDEX customer_addresses_key ON customer_addresses (address_key, channel_type);
                CREATE TABLE customer_tags (
                    ck TEXT NOT NULL,
                    tag TEXT NOT NULL,
                    source TEXT NOT NULL,
                    added_at INTEGER NOT NULL,
                    PRIMARY KEY (ck, tag)
                ) WITHOUT ROWID;
                CREATE TABLE channel_scores (
                    ck TEXT NOT NULL,
                    channel_type TEXT NOT NULL,
                    sends REAL NOT NULL,
                    engagements REAL NOT NULL,
                    sends_total INTEGER NOT NULL,
                    last_engaged_at INTEGER,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (ck, channel_type)
                ) WITHOUT ROWID;
                CREATE TABLE strategies (
                    name TEXT PRIMARY KEY,
                    latest INTEGER NOT NULL,
                    retired INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE strategy_versions (
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    fingerprint TEXT NOT NULL,
                    source TEXT NOT NULL,
                    rules TEXT NOT NULL,
                    loaded_at INTEGER NOT NULL,
                    PRIMARY KEY (name, version)
                ) WITHOUT ROWID;
                CREATE TABLE strategy_entries (
                    ck TEXT NOT NULL,
                    name TEXT NOT NULL,
                    first_at INTEGER NOT NULL,
                    last_at INTEGER NOT NULL,
                    entries INTEGER NOT NULL,
                    PRIMARY KEY (ck, name)
                ) WITHOUT ROWID;
                CREATE TABLE runs (
                    run_id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    ck TEXT NOT NULL,
                    customer_sealed TEXT NOT NULL,
                    state TEXT NOT NULL,
                    step TEXT NOT NULL,
                    rev INTEGER NOT NULL,
                    visit INTEGER NOT NULL,
                    holdout INTEGER NOT NULL,
                    wait_event TEXT,
                    wait_ref TEXT,
                    on_event TEXT,
                    outcome TEXT,
                    converted_at INTEGER,
                    started_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    finished_at INTEGER
                );
                CREATE UNIQUE INDEX runs_active ON runs (name, ck) WHERE state != 'finished';
                CREATE INDEX runs_customer ON runs (ck, started_at);
                CREATE INDEX runs_finished ON runs (finished_at) WHERE state = 'finished';
                CREATE TABLE run_timers (
                    run_id INTEGER PRIMARY KEY,
                    due_at INTEGER NOT NULL,
                    rev INTEGER NOT NULL,
                    kind TEXT NOT NULL
                );
                CREATE INDEX run_timers_due ON run_timers (due_at, run_id);
                CREATE TABLE run_steps (
                    run_id INTEGER NOT NULL,
                    visit INTEGER NOT NULL,
                    step TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    outcome TEXT NOT NULL,
                    message_id TEXT,
                    instance TEXT,
                    channel_type TEXT,
                    delivered_at INTEGER,
                    opened_at INTEGER,
                    clicked_at INTEGER,
                    replied_at INTEGER,
                    PRIMARY KEY (run_id, visit)
                ) WITHOUT ROWID;
                CREATE TABLE enrol_keys (
                    name TEXT NOT NULL,
                    key TEXT NOT NULL,
                    run_id INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (name, key)
                ) WITHOUT ROWID;
                CREATE INDEX enrol_keys_created ON enrol_keys (created_at);
                CREATE TABLE conversions (
                    seq INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    run_id INTEGER,
                    ck TEXT,
                    holdout INTEGER NOT NULL,
                    event TEXT NOT NULL,
                    value REAL,
                    at INTEGER NOT NULL,
                    last_step TEXT,
                    last_channel_type TEXT,
                    first_step TEXT,
                    first_channel_type TEXT
                );
                CREATE TABLE step_counters (
                    name TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    step TEXT NOT NULL,
                    channel_type TEXT NOT NULL,
                    grp TEXT NOT NULL,
                    counter TEXT NOT NULL,
                    n INTEGER NOT NULL,
                    value REAL NOT NULL DEFAULT 0,
                    PRIMARY KEY (name, version, step, channel_type, grp, counter)
                ) WITHOUT ROWID;
                CREATE TABLE forget_jobs (
                    seq INTEGER PRIMARY KEY,
                    subject_hash TEXT NOT NULL,
                    addresses_sealed TEXT NOT NULL,
                    cursor INTEGER NOT NULL,
                    requested_at INTEGER NOT NULL
                );
                ALTER TABLE messages ADD COLUMN run_id INTEGER;
                ALTER TABLE messages ADD COLUMN run_visit INTEGER;
                ALTER TABLE messages ADD COLUMN customer_key TEXT;
                CREATE INDEX messages_customer ON messages (customer_key) WHERE customer_key IS NOT NULL;
                PRAGMA user_version = 5;
                COMMIT;
                """
            )
        }
        if existing < 6, target >= 6 { try migrateToCustomerNumbers(database, logger: logger, progress: progress) }
        if existing < 7, target >= 7 {
            // Version 7: no index of finished messages by their last change. Every delivery receipt moved the
            // message's entry (a random index page written per receipt: 17-23 % of a receipt's CPU in
            // ./bench-receipts); pruning now walks messages in `seq` order instead (StoreWriter.pruneMessages).
            try database.execute(
                """
                BEGIN IMMEDIATE;
                DROP INDEX IF EXISTS messages_finished;
                PRAGMA user_version = 7;
                COMMIT;
                """)
        }
        if existing < 8, target >= 8 { try migrateToReceiptKeys(database, logger: logger, progress: progress) }
    }
}
