import Logging

/// Version 6: customers get a number, and every table keyed by customer is keyed by it (design §15).
///
/// With `store_encryption_key` set, the customer key `ck` is an HMAC: keyed by it, every import, enrolment and
/// fire wrote a random page in each customer-keyed table and index, and the writer spent its time on I/O. The
/// number is assigned in the order customers are first stored, so customers imported and then enrolled in order
/// touch neighbouring pages; `ck` stays in one unique index, to find the number. `runs.ck` stays as a payload: a
/// strategy send checks consent and caps under it.
///
/// `messages.customer_number` finds a customer's messages (forget, withdrawals); `messages.customer_key` now only
/// keeps a forgotten customer's pseudonym. An enrol key is the client's, usually random (and an HMAC with a store
/// key): kept under the customer's number as well, a repeat of one enrolment is found beside the customer's other
/// rows, and the same key sent for another customer is that customer's own request, not a duplicate of the first.
extension StoreSchema {
    /// One step of the migration: what the log and systemd's status line call it, and its statements.
    private struct Step {
        var name: String
        var sql: String
    }

    /// Each copy walks `customers` in number order (`CROSS JOIN` keeps it the outer loop), so the new b-tree is
    /// appended to rather than written at random, without a sort holding a million rows in memory; the unique
    /// index on `ck` is built after its rows.
    private static let customerNumberSteps: [Step] = [
        Step(
            name: "customers",
            sql: """
                CREATE TABLE customers_v6 (
                    cn INTEGER PRIMARY KEY,
                    ck TEXT NOT NULL,
                    id_sealed TEXT NOT NULL,
                    zone TEXT,
                    attributes_sealed TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                INSERT INTO customers_v6 (ck, id_sealed, zone, attributes_sealed, created_at, updated_at)
                SELECT ck, id_sealed, zone, attributes_sealed, created_at, updated_at FROM customers
                ORDER BY created_at, ck;
                CREATE UNIQUE INDEX customers_key ON customers_v6 (ck);
                """),
        Step(
            name: "customer addresses",
            sql: """
                CREATE TABLE customer_addresses_v6 (
                    cn INTEGER NOT NULL,
                    channel_type TEXT NOT NULL,
                    address_key TEXT NOT NULL,
                    address_sealed TEXT NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (cn, channel_type)
                ) WITHOUT ROWID;
                INSERT INTO customer_addresses_v6
                SELECT c.cn, a.channel_type, a.address_key, a.address_sealed, a.updated_at
                FROM customers_v6 c CROSS JOIN customer_addresses a ON a.ck = c.ck;
                """),
        Step(
            name: "customer tags and channel scores",
            sql: """
                CREATE TABLE customer_tags_v6 (
                    cn INTEGER NOT NULL,
                    tag TEXT NOT NULL,
                    source TEXT NOT NULL,
                    added_at INTEGER NOT NULL,
                    PRIMARY KEY (cn, tag)
                ) WITHOUT ROWID;
                INSERT INTO customer_tags_v6
                SELECT c.cn, t.tag, t.source, t.added_at FROM customers_v6 c CROSS JOIN customer_tags t ON t.ck = c.ck;
                CREATE TABLE channel_scores_v6 (
                    cn INTEGER NOT NULL,
                    channel_type TEXT NOT NULL,
                    sends REAL NOT NULL,
                    engagements REAL NOT NULL,
                    sends_total INTEGER NOT NULL,
                    last_engaged_at INTEGER,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (cn, channel_type)
                ) WITHOUT ROWID;
                INSERT INTO channel_scores_v6
                SELECT c.cn, s.channel_type, s.sends, s.engagements, s.sends_total, s.last_engaged_at, s.updated_at
                FROM customers_v6 c CROSS JOIN channel_scores s ON s.ck = c.ck;
                """),
        Step(
            name: "strategy entries",
            sql: """
                CREATE TABLE strategy_entries_v6 (
                    cn INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    first_at INTEGER NOT NULL,
                    last_at INTEGER NOT NULL,
                    entries INTEGER NOT NULL,
                    PRIMARY KEY (cn, name)
                ) WITHOUT ROWID;
                INSERT INTO strategy_entries_v6
                SELECT c.cn, e.name, e.first_at, e.last_at, e.entries
                FROM customers_v6 c CROSS JOIN strategy_entries e ON e.ck = c.ck;
                """),
        Step(
            name: "replacing the customer tables",
            sql: """
                DROP TABLE customers;
                DROP TABLE customer_addresses;
                DROP TABLE customer_tags;
                DROP TABLE channel_scores;
                DROP TABLE strategy_entries;
                ALTER TABLE customers_v6 RENAME TO customers;
                ALTER TABLE customer_addresses_v6 RENAME TO customer_addresses;
                ALTER TABLE customer_tags_v6 RENAME TO customer_tags;
                ALTER TABLE channel_scores_v6 RENAME TO channel_scores;
                ALTER TABLE strategy_entries_v6 RENAME TO strategy_entries;
                CREATE INDEX customer_addresses_key ON customer_addresses (address_key, channel_type);
                """),
        Step(
            name: "runs",
            sql: """
                ALTER TABLE runs ADD COLUMN cn INTEGER;
                UPDATE runs SET cn = (SELECT c.cn FROM customers c WHERE c.ck = runs.ck);
                DROP INDEX runs_active;
                DROP INDEX runs_customer;
                CREATE UNIQUE INDEX runs_active ON runs (name, cn) WHERE state != 'finished';
                CREATE INDEX runs_customer ON runs (cn, started_at);
                """),
        Step(
            name: "enrol keys",
            sql: """
                CREATE TABLE enrol_keys_v6 (
                    name TEXT NOT NULL,
                    cn INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    run_id INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (name, cn, key)
                ) WITHOUT ROWID;
                INSERT INTO enrol_keys_v6
                SELECT e.name, r.cn, e.key, e.run_id, e.created_at
                FROM enrol_keys e JOIN runs r ON r.run_id = e.run_id WHERE r.cn IS NOT NULL
                ORDER BY e.name, r.cn, e.key;
                DROP TABLE enrol_keys;
                ALTER TABLE enrol_keys_v6 RENAME TO enrol_keys;
                CREATE INDEX enrol_keys_created ON enrol_keys (created_at);
                """),
        Step(
            name: "messages",
            sql: """
                ALTER TABLE messages ADD COLUMN customer_number INTEGER;
                UPDATE messages SET customer_number = c.cn, customer_key = NULL
                FROM customers c WHERE messages.customer_key = c.ck;
                DROP INDEX messages_customer;
                CREATE INDEX messages_customer ON messages (customer_number) WHERE customer_number IS NOT NULL;
                """),
    ]

    /// Runs the steps in one transaction (a crash or a failure leaves version 5 as it was), with a 64 MiB page
    /// cache for the copies (the enrol keys' sort spills to temporary files beyond it), given back after; `progress` hears each step and, while a long statement runs, a beat every 5 s.
    static func migrateToCustomerNumbers(
        _ database: SQLiteDatabase, logger: Logger, progress: (String) -> Void
    ) throws(StoreError) {
        // The heartbeat holds the closure only while the migration runs.
        try withoutActuallyEscaping(progress) { progress throws(StoreError) in
            try migrateToCustomerNumbers(database, logger: logger, escapingProgress: progress)
        }
    }

    private static func migrateToCustomerNumbers(
        _ database: SQLiteDatabase, logger: Logger, escapingProgress progress: @escaping (String) -> Void
    ) throws(StoreError) {
        let count = try database.prepare("SELECT COUNT(*) FROM customers")
        let customers = try count.step() ? count.int64(0) ?? 0 : 0
        count.reset()
        let started = ContinuousClock.now
        // Silent for a store without customers (every store created before version 6 by a gateway without them).
        let announce: (String) -> Void = { message in
            guard customers > 0 else { return }
            logger.notice("store: \(message)", metadata: ["customers": "\(customers)"])
            progress(message)
        }
        announce("numbering customers (schema version 6): the customer tables are rewritten once")
        var current = ""
        try database.withHeartbeat(
            every: .seconds(5), { if customers > 0 { progress("numbering customers: \(current) …") } }
        ) { () throws(StoreError) in
            try database.execute("PRAGMA cache_size = -65536; BEGIN IMMEDIATE;")
            do throws(StoreError) {
                for (index, step) in customerNumberSteps.enumerated() {
                    current = "\(step.name) (\(index + 1) of \(customerNumberSteps.count))"
                    announce("numbering customers: \(current)")
                    try database.execute(step.sql)
                }
                try database.execute("PRAGMA user_version = 6; COMMIT;")
            } catch {
                try? database.execute("ROLLBACK;")
                database.releaseMemory()
                throw error
            }
            // The rewrite went through the WAL (about the store's size again): copied back and truncated now,
            // rather than by the first checkpoint behind live commits, and its disk space given back.
            announce("numbering customers: checkpointing the rewrite")
            try database.execute("PRAGMA wal_checkpoint(TRUNCATE);")
            database.releaseMemory()
        }
        announce("customers numbered in \(ContinuousClock.now - started)")
    }
}
