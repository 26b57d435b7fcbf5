import ChannelKit
import ControlProtocol
import Foundation
import GatewayConfig
import GatewayStore
import Logging
import PostgresTesting
import Synchronization
import Testing

@testable import GatewayPostgres

/// The customer directory and `forget` through a real ``PostgresMessageStore``, with the SQLite store's observable
/// behaviour (CustomerStoreTests), and what several nodes on one database add: a forget seen by another node's
/// admission, a sweep job worked by one node at a time.
@Suite struct PostgresCustomerTests {
    typealias Fixture = PostgresOperatorTests.Fixture
    static let start = PostgresOperatorTests.start
    static let key = [UInt8](repeating: 7, count: 32)

    static func wait<Value: Sendable>(_ start: (@escaping @Sendable (Value) -> Void) -> Void) -> Value {
        PostgresOperatorTests.wait(start)
    }

    static func upsert(_ store: PostgresMessageStore, _ upserts: [CustomerUpsert])
        -> [Result<CustomerUpsert.Outcome, StoreError>]
    {
        wait { done in #expect(store.upsertCustomers(upserts, completion: done)) }
    }

    static func outcomes(_ fixture: Fixture, _ upserts: CustomerUpsert...) -> [CustomerUpsert.Outcome?] {
        upsert(fixture.store, upserts).map { try? $0.get() }
    }

    static func profile(_ fixture: Fixture, _ id: String) throws -> CustomerProfile? {
        try wait { fixture.store.customer(id, completion: $0) }.get()
    }

    static func consent(_ store: PostgresMessageStore, _ changes: [ConsentChange]) throws {
        _ = try wait { store.changeConsent(changes, completion: $0) }.get()
    }

    static func forget(
        _ store: PostgresMessageStore, _ id: String, progressOnly: Bool = false, pseudonymKey: [UInt8]? = nil
    ) -> Result<ForgetResult, StoreError> {
        var request = CustomerForget(
            id: id, reference: "PIPL-1", client: "t", pseudonymKey: pseudonymKey, at: start + 10)
        request.progressOnly = progressOnly
        return wait { store.forget(request, completion: $0) }
    }

    /// Sends one message; its result.
    static func send(
        _ store: PostgresMessageStore, id: String, to recipient: String, customer: String?,
        category: MessageCategory = .marketing, number: Int64? = nil
    ) -> AcceptResult? {
        var request = AcceptRequest(
            message: OutboundMessage(
                id: id, channel: "sms", recipient: recipient, category: category, content: "offer for \(recipient)"),
            channelType: "sms", customer: customer, dedupKey: "dk-" + id, clientDedupKey: "client-" + id,
            notAfter: nil)
        request.customerNumber = number
        return wait { done in #expect(store.accept([request]) { done($0.first) }) }
    }

    static func isOptedOut(_ result: AcceptResult?) -> Bool {
        if case .suppressed(_, reason: .optedOut, _)? = result { return true }
        return false
    }

    /// A second node on the fixture's database (its own name, its own writer and intake).
    static func otherNode(_ fixture: Fixture, key: [UInt8]?) throws -> PostgresMessageStore {
        try PostgresMessageStore(
            configuration: PostgresStoreConfiguration(url: Secret(fixture.url), nodeName: "other"),
            dedupWindow: .seconds(86_400), encryptionKey: key, maxPendingAccepts: 1000, clock: fixture.clock,
            logger: Logger(label: "test"))
    }

    // MARK: the directory

    @Test func anUpsertCreatesThenMergesKeepingWhatItLeavesOutAndFeedsTagChanges() throws {
        let fixture = try Fixture()
        let tags = PostgresOperatorTests.Collected<String>()
        fixture.store.feed.subscribe(ChangeFeed.Filter(kinds: [.tag])) { lines, _ in
            for line in lines { tags.append(line) }
            return true
        }
        let first = CustomerUpsert(
            id: "C-1", addresses: ["sms": "13800138000", "app_push": "device-token-0001"],
            attributes: ["name": "Wang", "tier": "gold"], zone: "Asia/Shanghai", tagsAdded: ["vip", "loan:new"],
            at: Self.start)
        #expect(Self.outcomes(fixture, first) == [.created])
        let second = CustomerUpsert(
            id: "C-1", addresses: ["app_push": nil, "wechat_oa": "oA1b2c3d4e5f6"],
            attributes: ["tier": nil, "age": "41"],
            tagsAdded: ["vip"], tagsRemoved: ["loan:new"], at: Self.start + 1000)
        #expect(Self.outcomes(fixture, second) == [.updated])

        let profile = try #require(try Self.profile(fixture, "C-1"))
        #expect(profile.facts.id == "C-1")
        #expect(profile.facts.addresses == ["sms": "13800138000", "wechat_oa": "oA1b2c3d4e5f6"])
        #expect(profile.facts.attributes == ["name": "Wang", "age": "41"])
        #expect(profile.facts.zone == "Asia/Shanghai", "a zone left out is kept")
        #expect(profile.facts.tags == ["vip"])
        #expect(profile.createdAt == Self.start && profile.updatedAt == Self.start + 1000)
        #expect(profile.activeRuns.isEmpty && profile.recentTouches.isEmpty)

        #expect(
            Self.outcomes(fixture, CustomerUpsert(id: "C-1", zone: .some(nil), at: Self.start + 2000)) == [.updated])
        #expect(try Self.profile(fixture, "C-1")?.facts.zone == nil, "a null zone removes it")
        #expect(try Self.profile(fixture, "C-2") == nil)
        // Only changes are feed lines: `vip` added twice is one line.
        let lines = tags.all
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.filter { $0.contains(#""change":"added""#) }.count == 2)
        #expect(lines.contains { $0.contains(#""tag":"loan:new","change":"removed""#) })
    }

    @Test func aBatchAnswersEachInOrderAndRepeatsInsideItSeeEachOther() throws {
        let fixture = try Fixture()
        let results = Self.upsert(
            fixture.store,
            [
                CustomerUpsert(id: "A", attributes: ["x": "1"], tagsAdded: ["t"], at: Self.start),
                CustomerUpsert(id: "B", addresses: ["sms": "1"], at: Self.start),
                CustomerUpsert(id: "A", attributes: ["y": "2"], tagsRemoved: ["t"], at: Self.start + 1),
                CustomerUpsert(id: "B", addresses: ["sms": nil, "wecom": "w"], at: Self.start + 1),
            ])
        #expect(results.map { try? $0.get() } == [.created, .created, .updated, .updated])
        let a = try #require(try Self.profile(fixture, "A"))
        #expect(a.facts.attributes == ["x": "1", "y": "2"] && a.facts.tags.isEmpty)
        #expect(a.createdAt == Self.start && a.updatedAt == Self.start + 1)
        #expect(try Self.profile(fixture, "B")?.facts.addresses == ["wecom": "w"])
        #expect(try fixture.count("SELECT count(*) FROM customer_tags") == 0)
    }

    @Test func upsertsOfOneCallAreAllOrNothing() throws {
        let fixture = try Fixture()
        #expect(Self.outcomes(fixture, CustomerUpsert(id: "K", attributes: ["a": "1"], at: Self.start)) == [.created])
        // A tag the database refuses fails the statement that writes every tag of the call.
        try fixture.connection.execute(
            """
            CREATE FUNCTION refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.tag = 'boom' THEN RAISE EXCEPTION 'boom refused'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_boom BEFORE INSERT ON customer_tags FOR EACH ROW EXECUTE FUNCTION refuse_boom();
            """)
        let results = Self.upsert(
            fixture.store,
            [
                CustomerUpsert(id: "N", addresses: ["sms": "13800000000"], at: Self.start),
                CustomerUpsert(id: "K", attributes: ["a": "2"], tagsAdded: ["boom"], at: Self.start + 1),
            ])
        #expect(results.count == 2)
        for result in results {
            guard case .failure(let error) = result else {
                Issue.record("expected a failure, got \(result)")
                continue
            }
            #expect("\(error)".contains("boom refused"))
        }
        #expect(try Self.profile(fixture, "N") == nil, "the created customer was rolled back")
        #expect(try Self.profile(fixture, "K")?.facts.attributes == ["a": "1"], "the change was rolled back")
    }

    @Test func theProfileShowsStandingOptOuts() throws {
        let fixture = try Fixture()
        _ = Self.outcomes(fixture, CustomerUpsert(id: "C-9", addresses: ["sms": "13900139000"], at: Self.start))
        try Self.consent(
            fixture.store,
            [
                ConsentChange(
                    subject: .customer("C-9"), channel: "sms", optOut: true, route: .api, evidence: nil, client: "t")
            ])
        #expect(try Self.profile(fixture, "C-9")?.optOuts == ["sms"])
    }

    @Test func sealedAtRestAndFactsLoadedForManyCustomers() throws {
        let fixture = try Fixture(key: Self.key)
        _ = Self.outcomes(
            fixture,
            CustomerUpsert(
                id: "C-1", addresses: ["sms": "+86 138-0013-8000"], attributes: ["name": "Li"], tagsAdded: ["vip"],
                at: Self.start),
            CustomerUpsert(id: "C-2", addresses: ["wecom": "wm-user-0001"], at: Self.start))
        let rows = try fixture.rows("SELECT ck, id_sealed, attributes_sealed FROM customers ORDER BY cn")
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0[0]?.hasPrefix("m:") == true && $0[1] != "C-1" && $0[1] != "C-2" })
        #expect(try fixture.count("SELECT count(*) FROM customer_addresses WHERE address_sealed LIKE '%138%'") == 0)
        _ = try fixture.connection.query(
            PostgresStatement(
                """
                INSERT INTO channel_scores (cn, channel_type, sends, engagements, sends_total, last_engaged_at,
                    updated_at) SELECT cn, 'sms', 2.5, 0.125, 3, 7, 9 FROM customers
                """))
        let numbers = try fixture.rows("SELECT cn FROM customers ORDER BY cn").compactMap {
            $0[0].flatMap { Int64($0) }
        }
        let directory = PostgresCustomerDirectory(cipher: FieldCipher(key: Self.key))
        let facts = try directory.facts(numbers: numbers + [999], parts: .all, on: fixture.connection)
        #expect(facts.count == 2, "an unknown number is left out")
        let first = try #require(facts[numbers[0]])
        #expect(first.id == "C-1" && first.attributes == ["name": "Li"] && first.tags == ["vip"])
        #expect(first.addresses == ["sms": "+86 138-0013-8000"])
        #expect(first.storedAddresses["sms"] != nil && first.storedAddresses["sms"] != "+86 138-0013-8000")
        #expect(
            first.scores["sms"]
                == ChannelScoreRow(sends: 2.5, engagements: 0.125, sendsTotal: 3, lastEngagedAt: 7, updatedAt: 9))
        // Parts per customer: only what each asks for.
        let lean = try PostgresCustomerDirectory.facts(
            [numbers[0]: [], numbers[1]: .scores], cipher: FieldCipher(key: Self.key), on: fixture.connection)
        #expect(lean[numbers[0]]?.tags.isEmpty == true && lean[numbers[0]]?.scores.isEmpty == true)
        #expect(lean[numbers[1]]?.scores.count == 1 && lean[numbers[1]]?.addresses == ["wecom": "wm-user-0001"])
    }

    @Test func upsertsHonourTheIntakeBound() throws {
        let fixture = try Fixture()
        let many = (0..<10_001).map { CustomerUpsert(id: "B-\($0)", at: Self.start) }
        #expect(!fixture.store.upsertCustomers(many) { _ in Issue.record("refused upserts must not answer") })
    }

    // MARK: forget

    @Test func forgetErasesTheCustomerAndKeepsConsentUnderAPseudonym() throws {
        let fixture = try Fixture(key: Self.key)
        let phone = "13611112222"
        _ = Self.outcomes(
            fixture,
            CustomerUpsert(
                id: "F-1", addresses: ["sms": phone, "app_push": "device-token-f1"], attributes: ["name": "Zhao"],
                tagsAdded: ["vip", "loan:new"], at: Self.start),
            CustomerUpsert(id: "F-2", addresses: ["sms": "13633334444"], tagsAdded: ["vip"], at: Self.start))
        let cipher = FieldCipher(key: Self.key)
        let ck = cipher.dedupKey(PolicySubject.customer("F-1"))
        let other = cipher.dedupKey(PolicySubject.customer("F-2"))
        let cn = try #require(try fixture.rows("SELECT cn FROM customers WHERE ck = $1", [ck]).first?[0])
        let otherNumber = try #require(try fixture.rows("SELECT cn FROM customers WHERE ck = $1", [other]).first?[0])
        // A strategy send of each customer's, queued; the first claimed by this node's dispatcher.
        #expect(Self.send(fixture.store, id: "fm0", to: phone, customer: "F-1", number: Int64(cn)) != nil)
        #expect(
            Self.send(fixture.store, id: "fm1", to: "13633334444", customer: "F-2", number: Int64(otherNumber)) != nil)
        let claimed = try fixture.store.delivery.claim(
            channel: "sms", lane: PriorityLane(.marketing), limit: 1, now: Self.start, on: fixture.connection)
        #expect(claimed.map(\.message.id) == ["fm0"])
        try Self.consent(
            fixture.store,
            [
                ConsentChange(
                    subject: .customer("F-1"), channel: "sms", optOut: true, route: .api, evidence: nil, client: "t"),
                ConsentChange(
                    subject: .address(phone), channel: "*", optOut: true, route: .api, evidence: nil, client: "t"),
            ])
        try fixture.connection.execute(
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
        let profile = try #require(try Self.profile(fixture, "F-1"))
        #expect(profile.activeRuns.map(\.runID) == [901] && profile.activeRuns.first?.timer?.dueAt == 5)
        #expect(profile.recentTouches.map(\.step) == ["s"])

        let held = PostgresOperatorTests.Collected<HeldRuns>()
        fixture.store.onHolds { held.append($0) }
        let result = try Self.forget(fixture.store, "F-1").get()
        #expect(result.customerHash.hasPrefix("f:") && result.customerHash != ck && result.known)
        #expect(
            [result.runs, result.messages, result.addresses, result.tags, result.scores] as [Int] == [1, 1, 2, 2, 1],
            "\(result)")
        #expect(result.sweep == .done, "two messages: swept in the forget's own transaction")
        // The dispatcher hears the run and the queued message it holds in memory, address and all.
        let notice = held.all
        #expect(notice.count == 1 && notice.first?.runIDs == [901])
        #expect(notice.first?.messages.map(\.channel) == ["sms"])

        for table in ["customers", "customer_addresses", "customer_tags", "channel_scores", "strategy_entries", "runs"]
        {
            #expect(try fixture.count("SELECT count(*) FROM \(table) WHERE cn = \(cn)") == 0, "\(table)")
        }
        #expect(try fixture.count("SELECT count(*) FROM run_timers") == 1, "only the other customer's timer is left")
        #expect(try fixture.count("SELECT count(*) FROM run_steps WHERE run_id = 901") == 0)
        #expect(try fixture.count("SELECT count(*) FROM enrol_keys") == 0)
        #expect(try fixture.count("SELECT count(*) FROM customers WHERE ck = $1", [other]) == 1)
        let message = try #require(
            try fixture.rows(
                """
                SELECT recipient, content IS NULL, dedup_key IS NULL, customer_key, state, customer_number IS NULL,
                    claimed_by IS NULL
                FROM messages WHERE id = 'fm0'
                """
            ).first)
        #expect(message == ["", "t", "t", result.customerHash, "cancelled", "t", "t"])
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE id = 'fm1' AND content IS NOT NULL") == 1)
        // Consent: no entry or decision left under the customer's or the address's key; all under pseudonyms.
        let addressKey = cipher.dedupKey(PolicySubject.address(phone))
        for key in [ck, addressKey] {
            #expect(try fixture.count("SELECT count(*) FROM consent_log WHERE subject = $1", [key]) == 0)
            #expect(try fixture.count("SELECT count(*) FROM consent_state WHERE subject = $1", [key]) == 0)
        }
        let hash = result.customerHash
        #expect(
            try fixture.count("SELECT count(*) FROM consent_state WHERE subject = $1 AND opted_out = 1", [hash]) == 1)
        #expect(try fixture.count("SELECT count(*) FROM consent_state WHERE subject LIKE 'f:%' AND opted_out = 1") == 2)
        #expect(
            try fixture.count(
                """
                SELECT count(*) FROM consent_log WHERE subject = $1 AND action = 'erase'
                AND subject_kind = 'forgotten' AND route = 'forget'
                """, [hash]) == 1)
        #expect(try fixture.count("SELECT count(*) FROM forget_jobs") == 0, "swept")
        #expect(try Self.profile(fixture, "F-1") == nil)
    }

    @Test func forgetWithoutAnyKeyIsRefused() throws {
        let fixture = try Fixture()
        _ = Self.outcomes(fixture, CustomerUpsert(id: "X", addresses: ["sms": "13800000000"], at: Self.start))
        guard case .failure(let error) = Self.forget(fixture.store, "X") else {
            Issue.record("a forget without any key must be refused")
            return
        }
        #expect("\(error)".contains("privacy.pseudonym_key"))
        #expect(try Self.profile(fixture, "X") != nil, "nothing erased")
        // With privacy.pseudonym_key it runs.
        #expect(try Self.forget(fixture.store, "X", pseudonymKey: Array(repeating: 9, count: 32)).get().known)
    }

    /// Store key and `privacy.pseudonym_key`: either, or both.
    static let keyings: [([UInt8]?, [UInt8]?)] = [
        (key, nil), (nil, [UInt8](repeating: 9, count: 32)), (key, [UInt8](repeating: 9, count: 32)),
    ]

    @Test(arguments: PostgresCustomerTests.keyings)
    func aForgottenCustomerOrAddressStaysOptedOutOnEveryNode(key: [UInt8]?, pseudonymKey: [UInt8]?) throws {
        let fixture = try Fixture(key: key)
        fixture.store.usePseudonymKey(pseudonymKey)
        // Another node, running before the forget: it must learn of it from the database.
        let other = try Self.otherNode(fixture, key: key)
        defer { other.close() }
        other.usePseudonymKey(pseudonymKey)
        #expect(!Self.isOptedOut(Self.send(other, id: "o0", to: "13800000009", customer: "Z")))
        _ = Self.outcomes(fixture, CustomerUpsert(id: "R-1", addresses: ["sms": "+86 136-5555-6666"], at: Self.start))
        try Self.consent(
            fixture.store,
            [
                ConsentChange(
                    subject: .customer("R-1"), channel: "sms", optOut: true, route: .api, evidence: nil, client: "t"),
                ConsentChange(
                    subject: .address("13655556666"), channel: "*", optOut: true, route: .api, evidence: nil,
                    client: "t"),
            ])
        _ = try Self.forget(fixture.store, "R-1", pseudonymKey: pseudonymKey).get()
        // The same id to another number, and the same number (written otherwise) without an id: both suppressed.
        #expect(Self.isOptedOut(Self.send(fixture.store, id: "r1", to: "13900000001", customer: "R-1")))
        #expect(Self.isOptedOut(Self.send(fixture.store, id: "r2", to: "0086 13655556666", customer: nil)))
        // Others are not; nor is a critical send to the forgotten number.
        #expect(!Self.isOptedOut(Self.send(fixture.store, id: "r3", to: "13900000001", customer: "R-2")))
        #expect(
            !Self.isOptedOut(Self.send(fixture.store, id: "r4", to: "13655556666", customer: nil, category: .critical)))
        // Through the other node: its first marketing batch after the forget sees it.
        #expect(Self.isOptedOut(Self.send(other, id: "o1", to: "13655556666", customer: nil)))
        #expect(Self.isOptedOut(Self.send(other, id: "o2", to: "13900000002", customer: "R-1")))
        #expect(!Self.isOptedOut(Self.send(other, id: "o3", to: "13900000002", customer: "R-3")))
        // And after a restart.
        try fixture.reopen()
        fixture.store.usePseudonymKey(pseudonymKey)
        #expect(Self.isOptedOut(Self.send(fixture.store, id: "r5", to: "13655556666", customer: nil)))
        #expect(Self.isOptedOut(Self.send(fixture.store, id: "r6", to: "13900000003", customer: "R-1")))
    }

    @Test func theSweepScrubsMessagesSentToTheAddressWithoutACustomerID() throws {
        let fixture = try Fixture(key: Self.key)
        let phone = "13677778888"
        _ = Self.outcomes(fixture, CustomerUpsert(id: "S-1", addresses: ["sms": phone], at: Self.start))
        #expect(
            Self.send(fixture.store, id: "s1", to: "+86 136 7777 8888", customer: nil, category: .transactional) != nil)
        #expect(Self.send(fixture.store, id: "s2", to: "13600000000", customer: nil, category: .transactional) != nil)
        // A receipt kept without a message, naming the number.
        let cipher = FieldCipher(key: Self.key)
        _ = try fixture.connection.query(
            PostgresStatement(
                """
                INSERT INTO receipts (channel, recipient, event, received_at, fingerprint)
                VALUES ('sms', $1, 'delivered', 1, 'fp-1')
                """, [try cipher.seal(phone)]))
        let held = PostgresOperatorTests.Collected<HeldRuns>()
        fixture.store.onHolds { held.append($0) }
        let forgotten = PostgresOperatorTests.Collected<String>()
        fixture.store.feed.subscribe(ChangeFeed.Filter(kinds: [.forget])) { lines, _ in
            for line in lines { forgotten.append(line) }
            return true
        }
        let result = try Self.forget(fixture.store, "S-1").get()
        #expect(result.sweep == .done)
        let swept = try fixture.rows(
            "SELECT recipient, content IS NULL, customer_key, state FROM messages WHERE id = 's1'")
        #expect(swept.first == ["", "t", result.customerHash, "cancelled"])
        let kept = try fixture.rows(
            "SELECT recipient = '', content IS NULL, customer_key FROM messages WHERE id = 's2'")
        #expect(kept.first == ["f", "f", nil], "another number is untouched")
        // Found by its address, the queued message is cancelled and named to the dispatcher too.
        #expect(held.all.flatMap(\.messages).map(\.channel) == ["sms"])
        #expect(try fixture.count("SELECT count(*) FROM receipts WHERE recipient IS NOT NULL") == 0)
        #expect(try Self.forget(fixture.store, "S-1", progressOnly: true).get().progress == 1)
        let lines = forgotten.all
        #expect(lines.count == 1)
        #expect(lines.first?.contains(#""event":"forget","customer_hash":"\#(result.customerHash)""#) == true)
        #expect(lines.first?.contains("S-1") == false)
    }

    @Test func theSweepGoesInTurnsOneNodeAtATimeAndEndsByDeletingItsJob() throws {
        let fixture = try Fixture(key: Self.key)
        let phone = "13611110000"
        _ = Self.outcomes(fixture, CustomerUpsert(id: "T-1", addresses: ["sms": phone], at: Self.start))
        #expect(Self.send(fixture.store, id: "t1", to: phone, customer: nil, category: .transactional) != nil)
        // Push the next messages past the first turns' 5,000 rows each.
        _ = try fixture.connection.query(PostgresStatement("UPDATE messages SET seq = 12000 WHERE id = 't1'"))
        _ = try fixture.connection.query(
            PostgresStatement("SELECT setval(pg_get_serial_sequence('messages', 'seq'), 12000)"))
        #expect(Self.send(fixture.store, id: "t2", to: phone, customer: nil, category: .transactional) != nil)
        let result = try Self.forget(fixture.store, "T-1").get()
        #expect(result.sweep == .pending)
        let progress = try #require(try Self.forget(fixture.store, "T-1", progressOnly: true).get().progress)
        #expect(progress > 0.7 && progress < 0.9, "\(progress)")
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE recipient != ''") == 2, "past the first turns")

        // Another node works the job (its prune turn): while this test holds the job's row, it passes over it.
        try fixture.connection.begin()
        _ = try fixture.connection.query(PostgresStatement("SELECT seq FROM forget_jobs FOR UPDATE"))
        fixture.clock.advance(61_000)
        fixture.barrier()
        fixture.barrier()
        #expect(try fixture.rows("SELECT cursor FROM forget_jobs").first == ["10000"], "locked: not worked")
        try fixture.connection.commit()
        var turns = 0
        while try Self.forget(fixture.store, "T-1", progressOnly: true).get().sweep == .pending, turns < 10 {
            fixture.clock.advance(61_000)
            fixture.barrier()
            turns += 1
        }
        #expect(turns >= 1 && turns <= 3, "\(turns)")
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE recipient != ''") == 0)
        #expect(try fixture.count("SELECT count(*) FROM forget_jobs") == 0)
    }
}
