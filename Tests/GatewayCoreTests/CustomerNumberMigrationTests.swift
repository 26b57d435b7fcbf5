import Foundation
import Logging
import Testing

@testable import GatewayStore

/// Schema version 6 numbers customers: a version-5 store keeps every customer, tag, score, entry, run and message
/// link, now by number, and a store newer than the gatewayd is refused rather than misread.
struct CustomerNumberMigrationTests {
    let directory = NSTemporaryDirectory() + "cg-numbers-" + UUID().uuidString
    let logger = Logger(label: "test")

    private func database() throws -> SQLiteDatabase {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return try SQLiteDatabase(path: directory + "/gateway.sqlite3")
    }

    private func value(_ database: SQLiteDatabase, _ sql: String) throws -> String? {
        let statement = try database.prepare(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.string(0) : nil
    }

    @Test func aVersionFiveStoreKeepsEveryCustomerRowByNumber() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try database()
        try StoreSchema.migrate(database, to: 5, logger: logger)
        // Customer kB was stored after kA, though its key sorts first: numbers follow the order of storing.
        try database.execute(
            """
            INSERT INTO customers (ck, id_sealed, zone, attributes_sealed, created_at, updated_at)
            VALUES ('kB', 'id-b', 'Asia/Shanghai', NULL, 20, 20), ('kA', 'id-a', NULL, '{"name":"A"}', 10, 10);
            INSERT INTO customer_addresses (ck, channel_type, address_key, address_sealed, updated_at)
            VALUES ('kA', 'sms', 'addr-a', 'sealed-a', 10), ('kB', 'sms', 'addr-b', 'sealed-b', 20),
                ('kB', 'wecom', 'addr-bw', 'sealed-bw', 20);
            INSERT INTO customer_tags (ck, tag, source, added_at) VALUES ('kB', 'vip', 'customer', 20);
            INSERT INTO channel_scores (ck, channel_type, sends, engagements, sends_total, updated_at)
            VALUES ('kB', 'sms', 2.0, 1.0, 2, 20);
            INSERT INTO strategy_entries (ck, name, first_at, last_at, entries) VALUES ('kB', 'loan', 20, 20, 1);
            INSERT INTO runs (run_id, name, version, ck, customer_sealed, state, step, rev, visit, holdout,
                started_at, updated_at)
            VALUES (7, 'loan', 1, 'kB', 'x', 'waiting', 's', 1, 1, 0, 20, 20),
                (8, 'loan', 1, 'kA', 'x', 'finished', 's', 1, 1, 0, 10, 10);
            INSERT INTO messages (id, channel, recipient, category, created_at, state, updated_at, run_id,
                customer_key)
            VALUES ('m-b', 'sms', '1', 'marketing', 20, 'queued', 20, 7, 'kB'),
                ('m-forgotten', 'sms', '', 'marketing', 5, 'sent', 5, NULL, 'f:pseudonym'),
                ('m-plain', 'sms', '2', 'notice', 5, 'sent', 5, NULL, NULL);
            INSERT INTO enrol_keys (name, key, run_id, created_at) VALUES ('loan', 'key-b', 7, 20);
            """)

        var steps: [String] = []
        try StoreSchema.migrate(database, logger: logger) { steps.append($0) }

        // An operator (and systemd's status line) hears each step of the rewrite, and when it ended.
        #expect(steps.first?.hasPrefix("numbering customers (schema version 6)") == true, "\(steps)")
        #expect(steps.contains("numbering customers: customers (1 of 8)"), "\(steps)")
        #expect(steps.contains("numbering customers: messages (8 of 8)"), "\(steps)")
        #expect(steps.last?.hasPrefix("customers numbered in ") == true, "\(steps)")
        #expect(try value(database, "PRAGMA user_version") == "\(StoreSchema.version)")
        #expect(
            try value(database, "SELECT count(*) FROM sqlite_master WHERE name = 'messages_finished'") == "0",
            "version 7 drops the index every delivery receipt moved")
        #expect(try value(database, "PRAGMA cache_size") == "-4096", "the writer's page cache is back to its size")
        #expect(
            try value(database, "SELECT group_concat(ck || '=' || cn, ',') FROM (SELECT * FROM customers ORDER BY cn)")
                == "kA=1,kB=2")
        #expect(try value(database, "SELECT zone FROM customers WHERE cn = 2") == "Asia/Shanghai")
        #expect(
            try value(
                database,
                """
                SELECT group_concat(cn || ':' || channel_type || ':' || address_key, ',')
                FROM (SELECT * FROM customer_addresses ORDER BY cn, channel_type)
                """)
                == "1:sms:addr-a,2:sms:addr-b,2:wecom:addr-bw")
        #expect(try value(database, "SELECT cn || ':' || tag FROM customer_tags") == "2:vip")
        #expect(try value(database, "SELECT cn || ':' || sends_total FROM channel_scores") == "2:2")
        #expect(try value(database, "SELECT cn || ':' || name FROM strategy_entries") == "2:loan")
        #expect(
            try value(
                database, "SELECT group_concat(run_id || ':' || cn, ',') FROM (SELECT * FROM runs ORDER BY run_id)")
                == "7:2,8:1")
        #expect(
            try value(database, "SELECT name || ':' || cn || ':' || key || ':' || run_id FROM enrol_keys")
                == "loan:2:key-b:7")
        // A strategy send now points at the number; a forgotten customer's pseudonym stays where it was.
        #expect(
            try value(
                database,
                """
                SELECT group_concat(id || ':' || COALESCE(customer_number, '-') || ':' || COALESCE(customer_key, '-'),
                    ',') FROM (SELECT * FROM messages ORDER BY seq)
                """) == "m-b:2:-,m-forgotten:-:f:pseudonym,m-plain:-:-")
        // The indexes are rebuilt on the number: one active run per (strategy, customer number) still holds.
        try database.execute(
            """
            INSERT INTO runs (name, version, ck, cn, customer_sealed, state, step, rev, visit, holdout, started_at,
                updated_at)
            VALUES ('loan', 1, 'kB', 2, 'x', 'ready', 's', 1, 1, 0, 30, 30) ON CONFLICT DO NOTHING
            """)
        #expect(database.changes == 0)
        #expect(
            try value(database, "SELECT sql FROM sqlite_master WHERE name = 'messages_customer'")?.contains(
                "(customer_number)") == true)
        #expect(try value(database, "PRAGMA integrity_check") == "ok")
    }

    @Test func aNewStoreIsCreatedAtVersionSixWithoutAWord() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try database()
        var steps: [String] = []
        try StoreSchema.migrate(database, logger: logger) { steps.append($0) }
        #expect(steps.isEmpty)
        #expect(try value(database, "PRAGMA user_version") == "\(StoreSchema.version)")
    }

    @Test func aStoreFromANewerGatewayIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try database()
        try StoreSchema.migrate(database, logger: logger)
        try database.execute("PRAGMA user_version = \(StoreSchema.version + 1)")
        #expect {
            try StoreSchema.migrate(database, logger: logger)
        } throws: { error in
            "\(error)".contains("newer than this gatewayd's \(StoreSchema.version)")
        }
    }
}
