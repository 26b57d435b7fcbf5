import ChannelKit
import ControlProtocol
import Foundation
import Logging
import Testing

@testable import GatewayStore

/// Schema version 8 keeps a matched receipt under its message, by digest, and a receipt without a message apart: a
/// version-7 store keeps every receipt, its place in its message's timeline and its dedup, and a waiting one is still
/// matched when its send's reply comes.
struct ReceiptKeyMigrationTests {
    let directory = NSTemporaryDirectory() + "cg-receipt-keys-" + UUID().uuidString
    let cipher = FieldCipher(key: nil)

    private func value(_ database: SQLiteDatabase, _ sql: String) throws -> String? {
        let statement = try database.prepare(sql)
        defer { statement.reset() }
        return try statement.step() ? statement.string(0) : nil
    }

    private func event(_ receipt: Receipt) -> String { StoreWriter.state(of: receipt.event).rawValue }

    @Test func aVersionSevenStoreKeepsItsReceiptsTheirOrderAndTheirDedup() throws {
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let delivered = Receipt(
            vendorMessageID: "biz-1", recipient: "13800138000", event: .delivered,
            occurredAtMilliseconds: 1_795_449_601_000, vendorStatus: "DELIVERED")
        let failedLater = Receipt(
            vendorMessageID: "biz-1", event: .failed(Reason(.invalidRecipient)), vendorStatus: "MK:0001")
        let early = Receipt(
            vendorMessageID: "biz-2", event: .failed(Reason(.invalidRecipient)), vendorStatus: "UNDELIV")
        var steps: [String] = []
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let database = try SQLiteDatabase(path: directory + "/gateway.sqlite3")
            try StoreSchema.migrate(database, to: 7, logger: Logger(label: "test"))
            // m1 was sent (created 100 s before the test clock, the receipts 10 s before it: nothing is pruned at
            // open) and has two receipts, the first under the current fingerprint, the second under the bare digest
            // an older gateway kept (their `seq`, not their fingerprints, orders them), and a click. m2 is still
            // queued: its receipt beat the send's reply and waits.
            try database.execute(
                """
                INSERT INTO messages (seq, id, channel, recipient, category, created_at, state, updated_at,
                    vendor_message_id)
                VALUES (1, 'm1', 'sms', '13800138000', 'notice', 1795449500000, 'sent', 1795449500000, 'biz-1'),
                    (2, 'm2', 'sms', '13800138001', 'notice', 1795449500000, 'queued', 1795449500000, NULL);
                INSERT INTO receipts (seq, channel, message_seq, vendor_message_id, recipient, event, reason,
                    vendor_status, occurred_at, received_at, fingerprint)
                VALUES (1, 'sms', 1, 'biz-1', '13800138000', 'delivered', NULL, 'DELIVERED', 1795449601000, 1795449590010,
                        '\(cipher.receiptFingerprint(delivered, channel: "sms", event: event(delivered)))'),
                    (2, 'sms', NULL, 'biz-2', NULL, 'failed', 'invalid_recipient', 'UNDELIV', NULL, 1795449590015,
                        '\(cipher.receiptFingerprint(early, channel: "sms", event: event(early)))'),
                    (3, 'sms', 1, 'biz-1', NULL, 'failed', 'invalid_recipient', 'MK:0001', NULL, 1795449590020,
                        '\(cipher.receiptDigest(failedLater, channel: "sms", event: event(failedLater)))'),
                    (4, 'sms', 1, NULL, NULL, 'clicked', NULL, NULL, 30, 1795449590030, 'click:tok-1');
                """)
            try StoreSchema.migrate(database, logger: Logger(label: "test")) { steps.append($0) }
            #expect(try value(database, "PRAGMA user_version") == "\(StoreSchema.version)")
            #expect(
                try value(
                    database,
                    "SELECT group_concat(message_seq || ':' || arrival, ',') FROM (SELECT * FROM receipts ORDER BY arrival)"
                )
                    == "1:1,1:3,1:4")
            #expect(try value(database, "SELECT seq || ':' || vendor_message_id FROM receipts_unmatched") == "2:biz-2")
            #expect(try value(database, "SELECT digest FROM receipts WHERE arrival = 4") == "click:tok-1")
            #expect(try value(database, "PRAGMA cache_size") == "-4096", "the writer's page cache is back to its size")
        }
        // An operator (and systemd's status line) hears the rewrite, and when it ended.
        #expect(steps.first?.hasPrefix("keying receipts by message (schema version 8)") == true, "\(steps)")
        #expect(steps.last?.hasPrefix("receipts keyed by message in ") == true, "\(steps)")

        let fixture = try ReceiptStoreTests.Fixture(directory: directory, accepted: 2)
        let m1 = try #require(fixture.status("m1"))
        #expect(m1.receipts.map(\.event) == [.delivered, .failed, .clicked])
        #expect(m1.receipts.map(\.vendorStatus) == ["DELIVERED", "MK:0001", nil])
        // A vendor's retry of either kept form is known; a new receipt joins the timeline after the old ones.
        #expect(fixture.receipts([delivered]) == ReceiptTally.with(duplicates: 1))
        #expect(fixture.receipts([failedLater]) == ReceiptTally.with(duplicates: 1))
        #expect(fixture.receipts([early]) == ReceiptTally.with(duplicates: 1))
        let opened = Receipt(vendorMessageID: "biz-1", event: .opened)
        #expect(fixture.receipts([opened]) == ReceiptTally.with(matched: 1, kept: [.opened: 1]))
        #expect(fixture.status("m1")?.receipts.map(\.event) == [.delivered, .failed, .clicked, .opened])
        // The waiting receipt is matched when m2's send reply comes, as before the upgrade.
        #expect(fixture.status("m2")?.state == .queued)
        fixture.sent(2, vendorID: "biz-2", recipient: "13800138001")
        let m2 = try #require(fixture.status("m2"))
        #expect(m2.state == .failed)
        #expect(m2.reason == "invalid_recipient")
        #expect(m2.receipts.map(\.vendorStatus) == ["UNDELIV"])
        #expect(fixture.receipts([early]) == ReceiptTally.with(duplicates: 1))
    }
}
