import ChannelKit
import ControlProtocol
import Foundation
import Logging
import Synchronization
import Testing

@testable import GatewayStore

/// The customer directory as the SQLite store keeps it: upserts that merge, the profile, the statements the
/// engine and the event hooks use, and sealing at rest.
struct CustomerStoreTests {
    static let start: Int64 = 1_795_449_600_000
    static let key = [UInt8](repeating: 7, count: 32)

    final class Fixture {
        let store: SQLiteMessageStore
        let key: [UInt8]?

        let directory: String

        init(directory: String? = nil, key: [UInt8]? = nil) throws {
            self.directory = directory ?? NSTemporaryDirectory() + "cg-customers-" + UUID().uuidString
            self.key = key
            store = try SQLiteMessageStore(
                directory: self.directory, dedupWindow: .seconds(86_400), encryptionKey: key, maxPendingAccepts: 1000,
                clock: ManualWallClock(CustomerStoreTests.start), logger: Logger(label: "test"))
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }

        func upsert(_ upserts: [CustomerUpsert]) -> [Result<CustomerUpsert.Outcome, StoreError>] {
            let done = DispatchSemaphore(value: 0)
            let results = Mutex<[Result<CustomerUpsert.Outcome, StoreError>]>([])
            let queued = store.upsertCustomers(upserts) { answer in
                results.withLock { $0 = answer }
                done.signal()
            }
            #expect(queued)
            done.wait()
            return results.withLock { $0 }
        }

        func outcomes(_ upserts: CustomerUpsert...) -> [CustomerUpsert.Outcome?] {
            upsert(upserts).map { try? $0.get() }
        }

        func profile(_ id: String) throws -> CustomerProfile? {
            let done = DispatchSemaphore(value: 0)
            let result = Mutex<Result<CustomerProfile?, StoreError>>(.success(nil))
            store.customer(id) { answer in
                result.withLock { $0 = answer }
                done.signal()
            }
            done.wait()
            return try result.withLock { $0 }.get()
        }

        /// A connection of the test's own on the committed file, with the store's cipher.
        func statements() throws -> (SQLiteDatabase, CustomerStatements, FieldCipher) {
            let database = try SQLiteDatabase(path: directory + "/gateway.sqlite3")
            return (database, try CustomerStatements(database), FieldCipher(key: key))
        }
    }

    @Test func anUpsertCreatesThenMergesKeepingWhatItLeavesOut() throws {
        let fixture = try Fixture()
        let first = CustomerUpsert(
            id: "C-1", addresses: ["sms": "13800138000", "app_push": "device-token-0001"],
            attributes: ["name": "Wang", "tier": "gold"], zone: "Asia/Shanghai", tagsAdded: ["vip", "loan:new"],
            at: Self.start)
        #expect(fixture.outcomes(first) == [.created])
        let second = CustomerUpsert(
            id: "C-1", addresses: ["app_push": nil, "wechat_oa": "oA1b2c3d4e5f6"],
            attributes: ["tier": nil, "age": "41"],
            tagsAdded: ["vip"], tagsRemoved: ["loan:new"], at: Self.start + 1000)
        #expect(fixture.outcomes(second) == [.updated])

        let profile = try #require(try fixture.profile("C-1"))
        #expect(profile.facts.id == "C-1")
        #expect(profile.facts.addresses == ["sms": "13800138000", "wechat_oa": "oA1b2c3d4e5f6"])
        #expect(profile.facts.attributes == ["name": "Wang", "age": "41"])
        #expect(profile.facts.zone == "Asia/Shanghai", "a zone left out is kept")
        #expect(profile.facts.tags == ["vip"])
        #expect(profile.createdAt == Self.start && profile.updatedAt == Self.start + 1000)
        #expect(profile.activeRuns.isEmpty && profile.recentTouches.isEmpty)

        #expect(fixture.outcomes(CustomerUpsert(id: "C-1", zone: .some(nil), at: Self.start + 2000)) == [.updated])
        #expect(try fixture.profile("C-1")?.facts.zone == nil, "a null zone removes it")
        #expect(try fixture.profile("C-2") == nil)
    }

    @Test func aBatchAnswersEachInOrderAndRepeatsInsideItSeeEachOther() throws {
        let fixture = try Fixture()
        let results = fixture.upsert([
            CustomerUpsert(id: "A", attributes: ["x": "1"], at: Self.start),
            CustomerUpsert(id: "B", at: Self.start),
            CustomerUpsert(id: "A", attributes: ["y": "2"], at: Self.start),
        ])
        #expect(results.map { try? $0.get() } == [.created, .created, .updated])
        #expect(try fixture.profile("A")?.facts.attributes == ["x": "1", "y": "2"])
    }

    @Test func theProfileShowsStandingOptOuts() throws {
        let fixture = try Fixture()
        _ = fixture.outcomes(CustomerUpsert(id: "C-9", addresses: ["sms": "13900139000"], at: Self.start))
        let done = DispatchSemaphore(value: 0)
        fixture.store.changeConsent([
            ConsentChange(
                subject: .customer("C-9"), channel: "sms", optOut: true, route: .api, evidence: nil, client: "t")
        ]) { _ in done.signal() }
        done.wait()
        #expect(try fixture.profile("C-9")?.optOuts == ["sms"])
    }

    @Test func statementsTagFindByAddressAndReadScores() throws {
        let fixture = try Fixture(key: Self.key)
        _ = fixture.outcomes(
            CustomerUpsert(id: "C-1", addresses: ["sms": "+86 138-0013-8000"], tagsAdded: ["vip"], at: Self.start),
            CustomerUpsert(id: "C-2", addresses: ["sms": "13800138000", "wecom": "wm-user-0001"], at: Self.start))
        let (database, statements, cipher) = try fixture.statements()
        let c1 = cipher.dedupKey(PolicySubject.customer("C-1"))
        let c2 = cipher.dedupKey(PolicySubject.customer("C-2"))
        #expect(c1 != "c:C-1", "keys are HMACs under the store key")
        // Customers are numbered in the order they are first stored; the key finds the number.
        let n1 = try #require(try statements.number(ck: c1))
        let n2 = try #require(try statements.number(ck: c2))
        #expect(try n2 == n1 + 1 && statements.number(ck: cipher.dedupKey("c:nobody")) == nil)
        #expect(try statements.record(cn: n2, cipher: cipher)?.key == c2)
        // Both numbers normalize alike, so a reply from either form finds both customers.
        let smsKey = cipher.dedupKey(PolicySubject.address("8613800138000"))
        #expect(Set(try statements.customers(addressKey: smsKey, channelType: "sms")) == [n1, n2])
        #expect(try statements.customers(addressKey: smsKey, channelType: "wecom").isEmpty)

        try database.execute("BEGIN")
        #expect(try statements.addTag(cn: n1, tag: "prefers:sms", source: "affinity", at: Self.start))
        #expect(try !statements.addTag(cn: n1, tag: "prefers:sms", source: "affinity", at: Self.start))
        #expect(try statements.removeTag(cn: n1, tag: "vip"))
        #expect(try !statements.removeTag(cn: n1, tag: "vip"))
        try database.execute(
            """
            INSERT INTO channel_scores (cn, channel_type, sends, engagements, sends_total, last_engaged_at, updated_at)
            VALUES (\(n2), 'wecom', 2.5, 0.75, 3, NULL, 42)
            """)
        try database.execute("COMMIT")

        let facts = try #require(try statements.facts(cn: n2, cipher: cipher, parts: .all))
        #expect(facts.id == "C-2")
        #expect(facts.addresses == ["sms": "13800138000", "wecom": "wm-user-0001"])
        #expect(
            facts.scores["wecom"]
                == ChannelScoreRow(sends: 2.5, engagements: 0.75, sendsTotal: 3, lastEngagedAt: nil, updatedAt: 42))
        #expect(try statements.facts(cn: n1, cipher: cipher, parts: .all)?.tags == ["prefers:sms"])
        #expect(try statements.facts(cn: n2 + 1, cipher: cipher, parts: .all) == nil)
        // Parts not asked for are not read: the row and addresses always are.
        let bare = try #require(try statements.facts(cn: n2, cipher: cipher, parts: []))
        #expect(bare.scores.isEmpty && bare.tags.isEmpty && bare.addresses["wecom"] == "wm-user-0001")
        #expect(try statements.facts(cn: n1, cipher: cipher, parts: .scores)?.tags == [])
        #expect(try statements.facts(cn: n1, cipher: cipher, parts: .tags)?.tags == ["prefers:sms"])
        // The engine's readers prepare the same statements on a read-only connection.
        let reader = try CustomerStatements(
            SQLiteDatabase(path: fixture.directory + "/gateway.sqlite3", readOnly: true))
        #expect(try reader.facts(cn: n2, cipher: cipher, parts: .all)?.addresses["wecom"] == "wm-user-0001")
    }

    @Test func sealedAtRestWithAKeyAndReadableWithout() throws {
        let address = "13712345678"
        for key in [Self.key, nil] as [[UInt8]?] {
            let fixture = try Fixture(key: key)
            _ = fixture.outcomes(
                CustomerUpsert(
                    id: "CUST-4242", addresses: ["sms": address], attributes: ["name": "Zhang San"], at: Self.start))
            let (database, _, _) = try fixture.statements()
            let rows = try database.prepare(
                """
                SELECT ck || '|' || id_sealed || '|' || COALESCE(attributes_sealed, '') FROM customers
                UNION ALL SELECT cn || '|' || address_key || '|' || address_sealed FROM customer_addresses
                """)
            var text = ""
            while try rows.step() { text += (rows.string(0) ?? "") + "\n" }
            let clear = [address, "CUST-4242", "Zhang San"].filter(text.contains)
            if key == nil {
                #expect(clear.count == 3, "without a key the directory is stored as given")
            } else {
                #expect(clear.isEmpty, "found in the store: \(clear)")
                #expect(try fixture.profile("CUST-4242")?.facts.addresses["sms"] == address)
            }
        }
    }

    @Test func forgetErasesTheCustomerAndKeepsConsentUnderAPseudonym() throws {
        let fixture = try Fixture(key: Self.key)
        let phone = "13611112222"
        _ = fixture.outcomes(
            CustomerUpsert(
                id: "F-1", addresses: ["sms": phone, "app_push": "device-token-f1"], attributes: ["name": "Zhao"],
                tagsAdded: ["vip", "loan:new"], at: Self.start),
            CustomerUpsert(id: "F-2", addresses: ["sms": "13633334444"], tagsAdded: ["vip"], at: Self.start))
        let cipher = FieldCipher(key: Self.key)
        let ck = cipher.dedupKey(PolicySubject.customer("F-1"))
        let other = cipher.dedupKey(PolicySubject.customer("F-2"))
        let (database, statements, _) = try fixture.statements()
        let cn = try #require(try statements.number(ck: ck))
        let otherNumber = try #require(try statements.number(ck: other))
        // A strategy send of the customer's, queued, and one of the other customer's.
        for (index, (key, number)) in [(ck, cn), (other, otherNumber)].enumerated() {
            var request = AcceptRequest(
                message: OutboundMessage(
                    id: "fm\(index)", channel: "sms", recipient: index == 0 ? phone : "13633334444",
                    category: .marketing, content: "secret offer \(index)"),
                channelType: "sms", customer: index == 0 ? "F-1" : "F-2", dedupKey: "fk\(index)",
                clientDedupKey: "client-key-\(index)", notAfter: nil)
            request.customerKey = key
            request.customerNumber = number
            let done = DispatchSemaphore(value: 0)
            #expect(fixture.store.accept([request]) { _ in done.signal() })
            done.wait()
        }
        let consented = DispatchSemaphore(value: 0)
        fixture.store.changeConsent([
            ConsentChange(
                subject: .customer("F-1"), channel: "sms", optOut: true, route: .api, evidence: nil, client: "t"),
            ConsentChange(
                subject: .address(phone), channel: "*", optOut: true, route: .api, evidence: nil, client: "t"),
        ]) { _ in consented.signal() }
        consented.wait()
        try database.execute(
            """
            BEGIN;
            INSERT INTO runs (run_id, name, version, ck, cn, customer_sealed, state, step, rev, visit, holdout,
                started_at, updated_at)
            VALUES (901, 'first-loan', 1, '\(ck)', \(cn), 'x', 'waiting', 's', 1, 1, 0, 1, 1),
                (902, 'first-loan', 1, '\(other)', \(otherNumber), 'x', 'waiting', 's', 1, 1, 0, 1, 1);
            INSERT INTO run_timers (run_id, due_at, rev, kind) VALUES (901, 5, 1, 'wake'), (902, 5, 1, 'wake');
            INSERT INTO run_steps (run_id, visit, step, kind, at, outcome) VALUES (901, 1, 's', 'send', 1, 'sent');
            INSERT INTO enrol_keys (name, cn, key, run_id, created_at) VALUES ('first-loan', \(cn), 'k', 901, 1);
            INSERT INTO channel_scores (cn, channel_type, sends, engagements, sends_total, updated_at)
                VALUES (\(cn), 'sms', 1, 0, 1, 1);
            INSERT INTO strategy_entries (cn, name, first_at, last_at, entries) VALUES (\(cn), 'first-loan', 1, 1, 1);
            COMMIT;
            """)

        let held = Mutex<[HeldRuns]>([])
        fixture.store.onHolds { runs in held.withLock { $0.append(runs) } }
        let done = DispatchSemaphore(value: 0)
        let answer = Mutex<Result<ForgetResult, StoreError>?>(nil)
        fixture.store.forget(CustomerForget(id: "F-1", reference: "PIPL-42", client: "uid=0", at: Self.start + 5)) {
            result in
            answer.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        let result = try #require(try answer.withLock { $0 }?.get())
        #expect(result.customerHash.hasPrefix("f:") && result.customerHash != ck && result.known)
        #expect(
            [result.runs, result.messages, result.addresses, result.tags, result.scores] as [Int] == [1, 1, 2, 2, 1],
            "\(result)")
        #expect(result.sweep == .done, "two messages: swept in the forget's own turn")
        // The dispatcher hears the run and the queued message it may hold in memory, address and all.
        let notice = held.withLock { $0 }
        #expect(notice.count == 1 && notice.first?.runIDs == [901])
        #expect(notice.first?.messages.map(\.channel) == ["sms"])

        func count(_ sql: String) throws -> Int {
            let statement = try database.prepare(sql)
            return try statement.step() ? statement.int(0) : -1
        }
        for table in ["customers", "customer_addresses", "customer_tags", "channel_scores", "strategy_entries", "runs"]
        {
            #expect(try count("SELECT COUNT(*) FROM \(table) WHERE cn = \(cn)") == 0, "\(table)")
        }
        #expect(try count("SELECT COUNT(*) FROM run_timers") == 1, "only the other customer's timer is left")
        #expect(try count("SELECT COUNT(*) FROM run_steps WHERE run_id = 901") == 0)
        #expect(try count("SELECT COUNT(*) FROM enrol_keys") == 0)
        #expect(try count("SELECT COUNT(*) FROM customers WHERE ck = '\(other)'") == 1, "the other customer is kept")
        let message = try database.prepare(
            """
            SELECT recipient, content IS NULL, dedup_key IS NULL, customer_key, state, customer_number IS NULL
            FROM messages WHERE id = 'fm0'
            """)
        #expect(try message.step())
        #expect(message.string(0) == "" && message.int(1) == 1 && message.int(2) == 1)
        #expect(message.string(3) == result.customerHash && message.string(4) == "cancelled")
        #expect(message.int(5) == 1, "the message no longer points at a customer number")
        #expect(try count("SELECT COUNT(*) FROM messages WHERE id = 'fm1' AND content IS NOT NULL") == 1)
        // Consent: no entry or decision left under the customer's or the address's key; all under the pseudonym.
        let addressKey = cipher.dedupKey(PolicySubject.address(phone))
        for key in [ck, addressKey] {
            #expect(try count("SELECT COUNT(*) FROM consent_log WHERE subject = '\(key)'") == 0)
            #expect(try count("SELECT COUNT(*) FROM consent_state WHERE subject = '\(key)'") == 0)
        }
        let hash = result.customerHash
        #expect(try count("SELECT COUNT(*) FROM consent_state WHERE subject = '\(hash)' AND opted_out = 1") == 1)
        #expect(try count("SELECT COUNT(*) FROM consent_state WHERE subject LIKE 'f:%' AND opted_out = 1") == 2)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM consent_log WHERE subject = '\(hash)' AND action = 'erase'
                AND subject_kind = 'forgotten' AND route = 'forget'
                """) == 1)
        #expect(try count("SELECT COUNT(*) FROM forget_jobs WHERE subject_hash = '\(hash)'") == 0, "swept")
        #expect(try fixture.profile("F-1") == nil)
    }

    /// Sends one message; its result.
    static func send(
        _ fixture: Fixture, id: String, to recipient: String, customer: String?, category: MessageCategory = .marketing
    ) -> AcceptResult? {
        let request = AcceptRequest(
            message: OutboundMessage(
                id: id, channel: "sms", recipient: recipient, category: category, content: "offer for \(recipient)"),
            channelType: "sms", customer: customer, dedupKey: "dk-" + id, clientDedupKey: nil, notAfter: nil)
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<AcceptResult?>(nil)
        #expect(
            fixture.store.accept([request]) { answer in
                result.withLock { $0 = answer.first }
                done.signal()
            })
        done.wait()
        return result.withLock { $0 }
    }

    static func forget(_ fixture: Fixture, _ id: String, progressOnly: Bool = false, pseudonymKey: [UInt8]? = nil)
        throws -> ForgetResult
    {
        var request = CustomerForget(
            id: id, reference: "PIPL-1", client: "t", pseudonymKey: pseudonymKey, at: start + 10)
        request.progressOnly = progressOnly
        let done = DispatchSemaphore(value: 0)
        let answer = Mutex<Result<ForgetResult, StoreError>?>(nil)
        fixture.store.forget(request) { result in
            answer.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try #require(try answer.withLock { $0 }?.get())
    }

    static func isOptedOut(_ result: AcceptResult?) -> Bool {
        if case .suppressed(_, reason: .optedOut, _)? = result { return true }
        return false
    }

    @Test(arguments: [
        (nil, nil), (CustomerStoreTests.key, nil), (CustomerStoreTests.key, [UInt8](repeating: 9, count: 32)),
    ])
    func aForgottenCustomerOrAddressStaysOptedOut(key: [UInt8]?, pseudonymKey: [UInt8]?) throws {
        let fixture = try Fixture(key: key)
        fixture.store.usePseudonymKey(pseudonymKey)
        _ = fixture.outcomes(CustomerUpsert(id: "R-1", addresses: ["sms": "+86 136-5555-6666"], at: Self.start))
        let consented = DispatchSemaphore(value: 0)
        fixture.store.changeConsent([
            ConsentChange(
                subject: .customer("R-1"), channel: "sms", optOut: true, route: .api, evidence: nil, client: "t"),
            ConsentChange(
                subject: .address("13655556666"), channel: "*", optOut: true, route: .api, evidence: nil, client: "t"),
        ]) { _ in consented.signal() }
        consented.wait()
        _ = try Self.forget(fixture, "R-1", pseudonymKey: pseudonymKey)
        // The same id to another number, and the same number (written otherwise) without an id: both suppressed.
        #expect(Self.isOptedOut(Self.send(fixture, id: "r1", to: "13900000001", customer: "R-1")))
        #expect(Self.isOptedOut(Self.send(fixture, id: "r2", to: "0086 13655556666", customer: nil)))
        // Others are not; nor is a critical send to the forgotten number.
        #expect(!Self.isOptedOut(Self.send(fixture, id: "r3", to: "13900000001", customer: "R-2")))
        #expect(!Self.isOptedOut(Self.send(fixture, id: "r4", to: "13655556666", customer: nil, category: .critical)))
        // After a restart the flag is loaded from the store.
        fixture.store.close()
        let reopened = try Fixture(directory: fixture.directory, key: key)
        reopened.store.usePseudonymKey(pseudonymKey)  // as the gateway does at start (ControlService)
        #expect(Self.isOptedOut(Self.send(reopened, id: "r5", to: "13655556666", customer: nil)))
        #expect(Self.isOptedOut(Self.send(reopened, id: "r6", to: "13900000002", customer: "R-1")))
    }

    @Test func theSweepScrubsMessagesSentToTheAddressWithoutACustomerID() throws {
        let fixture = try Fixture(key: Self.key)
        let phone = "13677778888"
        _ = fixture.outcomes(CustomerUpsert(id: "S-1", addresses: ["sms": phone], at: Self.start))
        #expect(Self.send(fixture, id: "s1", to: "+86 136 7777 8888", customer: nil, category: .transactional) != nil)
        #expect(Self.send(fixture, id: "s2", to: "13600000000", customer: nil, category: .transactional) != nil)
        let (database, _, _) = try fixture.statements()
        // A receipt kept without a message, naming the number.
        let cipher = FieldCipher(key: Self.key)
        try database.execute(
            """
            INSERT INTO receipts_unmatched (channel, recipient, event, received_at, digest, arrival)
            VALUES ('sms', '\(try #require(try cipher.seal(phone)))', 'delivered', 1, 'fp-1', 1)
            """)
        let held = Mutex<[HeldRuns]>([])
        fixture.store.onHolds { runs in held.withLock { $0.append(runs) } }
        let forgotten = Mutex<[String]>([])
        fixture.store.feed.subscribe(ChangeFeed.Filter(kinds: [.forget])) { lines, _ in
            forgotten.withLock { $0 += lines }
            return true
        }
        let result = try Self.forget(fixture, "S-1")
        #expect(result.sweep == .done)
        func row(_ id: String) throws -> (String?, Bool, String?) {
            let statement = try database.prepare(
                "SELECT recipient, content IS NULL, customer_key FROM messages WHERE id = '\(id)'")
            #expect(try statement.step())
            return (statement.string(0), statement.int(1) == 1, statement.string(2))
        }
        let swept = try row("s1")
        #expect(swept.0 == "" && swept.1 && swept.2 == result.customerHash)
        let kept = try row("s2")
        #expect(kept.0 != "" && !kept.1 && kept.2 == nil, "another number is untouched")
        // Found by its address, the queued message is cancelled and named to the dispatcher too.
        #expect(held.withLock { $0 }.flatMap(\.messages).map(\.channel) == ["sms"])
        let receipt = try database.prepare(
            """
            SELECT (SELECT COUNT(*) FROM receipts WHERE recipient IS NOT NULL)
                + (SELECT COUNT(*) FROM receipts_unmatched WHERE recipient IS NOT NULL)
            """)
        #expect(try receipt.step() && receipt.int(0) == 0)
        #expect(try Self.forget(fixture, "S-1", progressOnly: true).progress == 1)
        let lines = forgotten.withLock { $0 }
        #expect(lines.count == 1)
        #expect(lines.first?.contains(#""event":"forget","customer_hash":"\#(result.customerHash)""#) == true)
        #expect(lines.first?.contains("S-1") == false)
    }

    @Test func theSweepGoesInTurnsAndEndsByDeletingItsJob() throws {
        let fixture = try Fixture()
        let phone = "13611110000"
        _ = fixture.outcomes(CustomerUpsert(id: "T-1", addresses: ["sms": phone], at: Self.start))
        #expect(Self.send(fixture, id: "t1", to: phone, customer: nil, category: .transactional) != nil)
        let (database, _, _) = try fixture.statements()
        // Push the next messages past the first turn's 5,000 rows.
        try database.execute("UPDATE messages SET seq = 12000 WHERE id = 't1'")
        #expect(Self.send(fixture, id: "t2", to: phone, customer: nil, category: .transactional) != nil)
        let result = try Self.forget(fixture, "T-1")
        #expect(result.sweep == .pending)
        let progress = try #require(try Self.forget(fixture, "T-1", progressOnly: true).progress)
        #expect(progress > 0.7 && progress < 0.9, "\(progress)")
        let writerBarrier = DispatchSemaphore(value: 0)
        fixture.store.barrier { writerBarrier.signal() }
        writerBarrier.wait()
        // The prune turn carries the job on (driven here by hand, as the writer's loop does every turn).
        var turns = 0
        while try Self.forget(fixture, "T-1", progressOnly: true).sweep == .pending, turns < 10 {
            let done = DispatchSemaphore(value: 0)
            fixture.store.perform({ writer, _, _ throws(StoreError) in try writer.sweepForgotten() }) { _ in
                done.signal()
            }
            done.wait()
            turns += 1
        }
        #expect(turns == 2, "12,001 messages take three turns (two in the forget), then one for receipts")
        let statement = try database.prepare("SELECT COUNT(*) FROM messages WHERE recipient != ''")
        #expect(try statement.step() && statement.int(0) == 0)
    }

    @Test func upsertsHonourTheIntakeBound() throws {
        let fixture = try Fixture()
        let many = (0..<1001).map { CustomerUpsert(id: "B-\($0)", at: Self.start) }
        #expect(!fixture.store.upsertCustomers(many) { _ in Issue.record("refused upserts must not answer") })
        #expect(fixture.outcomes(CustomerUpsert(id: "B-1", at: Self.start)) == [.created])
    }

    @Test func withoutAnyKeyThePseudonymKeyIsGeneratedOnceAndPrivate() throws {
        let fixture = try Fixture()
        func forget() throws -> String {
            let done = DispatchSemaphore(value: 0)
            let hash = Mutex<String?>(nil)
            fixture.store.forget(CustomerForget(id: "P-1", reference: "T", client: "t", at: Self.start)) { result in
                hash.withLock { $0 = try? result.get().customerHash }
                done.signal()
            }
            done.wait()
            return try #require(hash.withLock { $0 })
        }
        let first = try forget()
        #expect(first.hasPrefix("f:") && !first.contains("P-1"))
        let path = fixture.directory + "/" + Pseudonym.fileName
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try forget() == first, "the same key is used again")
    }
}
