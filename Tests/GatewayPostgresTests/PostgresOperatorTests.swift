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

/// Operator commands, status, consent, reports, the outbox and pruning through a real ``PostgresMessageStore``,
/// with the SQLite store's observable behaviour (MessageStoreTests, PolicyStoreTests, OperatorControlTests).
@Suite struct PostgresOperatorTests {
    static let start = PostgresIntakeTests.start
    static let hour: Int64 = 3_600_000

    /// A wall clock the test moves by hand.
    final class Clock: WallClock {
        private let now = Atomic<Int64>(PostgresOperatorTests.start)
        var nowMilliseconds: Int64 { now.load(ordering: .relaxed) }
        func advance(_ milliseconds: Int64) { now.add(milliseconds, ordering: .relaxed) }
    }

    /// What the store handed a callback, in order.
    final class Collected<Element: Sendable>: Sendable {
        private let items = Mutex<[Element]>([])
        func append(_ item: Element) { items.withLock { $0.append(item) } }
        var all: [Element] { items.withLock { $0 } }
    }

    /// A store on a database of its own, a connection to look at its rows, and what it told the dispatcher.
    final class Fixture {
        let clock = Clock()
        let url: String
        let connection: PostgresConnection
        let retention: Duration
        let dedupWindow: Duration
        let key: [UInt8]?
        let policy: PolicyConfiguration
        let committed = Collected<[String: LaneCounts]>()
        private var current: PostgresMessageStore?
        var store: PostgresMessageStore { current! }
        private var reader: (any StoreReading)?

        init(
            retention: Duration = .seconds(90 * 86_400), dedupWindow: Duration = .seconds(86_400),
            key: [UInt8]? = nil, policy: PolicyConfiguration = PolicyConfiguration()
        ) throws {
            let cluster = try PostgresCluster.shared
            url = cluster.url(database: try cluster.createDatabase())
            (self.retention, self.dedupWindow, self.key, self.policy) = (retention, dedupWindow, key, policy)
            current = try Self.open(url, clock, retention, dedupWindow, key, policy, committed)
            connection = try PostgresConnection(try PostgresConnectionString(Secret(url)))
        }

        private static func open(
            _ url: String, _ clock: Clock, _ retention: Duration, _ dedupWindow: Duration, _ key: [UInt8]?,
            _ policy: PolicyConfiguration, _ committed: Collected<[String: LaneCounts]>
        ) throws -> PostgresMessageStore {
            let store = try PostgresMessageStore(
                configuration: PostgresStoreConfiguration(url: Secret(url), nodeName: "test"), dedupWindow: dedupWindow,
                retention: retention, encryptionKey: key, maxPendingAccepts: 10_000, clock: clock,
                logger: Logger(label: "test"))
            store.setPolicy(policy)
            store.onCommit { committed.append($0) }
            return store
        }

        /// Closes the store and opens another on the same database (a restart).
        func reopen() throws {
            store.close()
            reader = nil
            current = nil  // its connections go with it, the node name's lock among them
            current = try Self.open(url, clock, retention, dedupWindow, key, policy, committed)
        }

        deinit { current?.close() }

        func accept(_ requests: [AcceptRequest]) -> [AcceptResult] {
            PostgresOperatorTests.wait { done in
                guard store.accept(requests, completion: done) else { return done([]) }
            }
        }

        /// Sends one message and answers its result as `PolicyStoreTests.state` spells it.
        @discardableResult
        func send(
            _ id: String, channel: String = "sms", category: MessageCategory = .transactional,
            to recipient: String = "13800138000", customer: String? = "C1", key: String? = nil,
            notBefore: Int64? = nil
        ) -> String {
            let message = OutboundMessage(
                id: id, channel: channel, recipient: recipient, category: category, content: "hello \(id)")
            let request = AcceptRequest(
                message: message, channelType: channel == "wecom" ? "wecom" : "sms", customer: customer,
                dedupKey: key.map { "k:" + $0 }, clientDedupKey: key, notBefore: notBefore, notAfter: nil)
            return switch accept([request]).first {
            case .queued?: "queued"
            case .deferred?: "deferred"
            case .suppressed(_, let reason, _)?: "suppressed:\(reason.rawValue)"
            case .duplicate?: "duplicate"
            case .failed(let error)?: "failed:\(error)"
            case nil: "refused"
            }
        }

        /// Claims the queued messages of an instance for this node, as its dispatcher pages them in.
        func claim(_ channel: String = "sms") throws -> [StoredMessage] {
            if reader == nil { reader = try store.makeReader() }
            return try reader?.queued(channel: channel, priority: .transactional, after: 0, limit: 100) ?? []
        }

        /// Records the dispatcher's attempts and waits for their commit.
        func record(_ records: [AttemptRecord]) {
            store.record(records)
            barrier()
        }

        func barrier() { PostgresOperatorTests.wait { done in store.barrier { done(()) } } }

        func status(_ id: String) -> MessageStatus? {
            PostgresOperatorTests.wait { store.status(of: id, completion: $0) }
        }

        func rows(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
            try connection.query(PostgresStatement(sql, parameters)).rows
        }

        func count(_ sql: String, _ parameters: [String?] = []) throws -> Int {
            Int(try connection.query(PostgresStatement(sql, parameters)).scalar ?? "") ?? -1
        }
    }

    /// Calls `start` with a completion and waits for it.
    static func wait<Value: Sendable>(_ start: (@escaping @Sendable (Value) -> Void) -> Void) -> Value {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Value?>(nil)
        start { value in
            result.withLock { $0 = value }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }!
    }

    static func attempt(
        _ message: StoredMessage, _ outcome: AttemptRecord.Outcome, at: Int64, attempt: Int = 1,
        reason: Reason? = nil, vendorID: String? = nil
    ) -> AttemptRecord {
        let state: AttemptRecord.State =
            switch outcome {
            case .sent: .sent
            case .retry: .queued
            case .expired: .expired
            default: .failed
            }
        return AttemptRecord(
            sequence: message.sequence, channel: message.message.channel, attempt: attempt, startedAt: at - 10,
            finishedAt: at, outcome: outcome, state: state, httpStatus: outcome == .sent ? 200 : 503, reason: reason,
            vendorMessageID: vendorID, nextAttemptAt: outcome == .retry ? at + 5_000 : 0)
    }

    // MARK: status

    @Test func statusShowsTheMessageItsAttemptsAndItsTimeline() throws {
        let fixture = try Fixture(key: Array(repeating: 7, count: 32))
        #expect(fixture.send("m1", key: "order-1") == "queued")
        let message = try #require(try fixture.claim().first)
        let now = Self.start
        fixture.record([
            Self.attempt(message, .retry, at: now + 100, reason: Reason(.vendorUnavailable, vendorCode: "503"))
        ])
        fixture.record([Self.attempt(message, .sent, at: now + 6_000, attempt: 2, vendorID: "v-1")])
        // Receipts and engagement as the receipt path keeps them (not served on this backend yet).
        let seq = String(message.sequence)
        _ = try fixture.rows(
            """
            INSERT INTO receipts (channel, message_seq, event, vendor_status, occurred_at, received_at, fingerprint)
            VALUES ('sms', $1, 'delivered', 'DELIVRD', $2::bigint + 7000, $2::bigint + 7100, 'f1'),
                ('sms', $1, 'opened', NULL, NULL, $2::bigint + 8000, 'f2')
            """, [seq, String(now)])
        _ = try fixture.rows(
            """
            INSERT INTO engagement_events (event_id, message_seq, type, value, occurred_at, client, received_at)
            VALUES ('e1', $1, 'converted', '99.5', $2::bigint + 9000, 'bank', $2::bigint + 9100),
                ('e2', $1, 'replied', NULL, $2::bigint + 8500, 'bank', $2::bigint + 9100)
            """, [seq, String(now)])
        _ = try fixture.rows(
            """
            INSERT INTO tracked_links (token, message_seq, channel, url, clicks, first_click_at)
            VALUES ('t1', $1, 'sms', 'u1', 3, $2::bigint + 8800), ('t2', $1, 'sms', 'u2', 1, $2::bigint + 8700)
            """, [seq, String(now)])

        let status = try #require(fixture.status("m1"))
        #expect(status.id == "m1" && status.channel == "sms" && status.category == "transactional")
        #expect(status.recipient == "13800138000", "opened with the store key")
        #expect(status.customer == "C1")
        #expect(status.dedupKey == "order-1")
        #expect(status.state == .sent)
        #expect(status.attempts == 2)
        #expect(status.vendorMessageID == "v-1")
        #expect(status.createdAt == now && status.updatedAt == now + 6_000)
        #expect(status.history.map(\.number) == [1, 2])
        #expect(status.history.map(\.outcome) == [.retry, .sent])
        #expect(status.history.first?.reason == "vendor_unavailable")
        #expect(status.history.first?.vendorCode == "503")
        #expect(status.history.first?.httpStatus == 503)
        #expect(status.history.last?.startedAt == now + 5_990)
        // Receipts in arrival order, then engagement events the timeline shows (a reply is not one).
        #expect(status.receipts.map(\.event) == [.delivered, .opened, .converted])
        #expect(status.receipts.first?.vendorStatus == "DELIVRD")
        #expect(status.receipts.first?.occurredAt == now + 7_000)
        #expect(status.receipts.last?.value == "99.5")
        #expect(status.clicks == 4)
        #expect(status.firstClickAt == now + 8_700)
        #expect(fixture.status("m-none") == nil)
    }

    @Test func aQueuedMessageNeverTriedThatWaitsForATimeIsDeferred() throws {
        let fixture = try Fixture()
        #expect(fixture.send("later", notBefore: Self.start + Self.hour) == "deferred")
        #expect(fixture.send("now") == "queued")
        #expect(fixture.status("later")?.state == .deferred)
        #expect(fixture.status("later")?.nextAttemptAt == Self.start + Self.hour)
        #expect(fixture.status("now")?.state == .queued)
        // A retry waits for a time too, but it was tried: queued.
        let page = try fixture.claim()
        let now = try #require(page.first { $0.message.id == "now" })
        fixture.record([Self.attempt(now, .retry, at: Self.start + 10)])
        #expect(fixture.status("now")?.state == .queued)
        // `changes` applies the same rule.
        let changes = try fixture.store.changes(since: Self.start)
        #expect(changes.map(\.messageID) == ["later", "now"])
        #expect(changes.map(\.state) == [.deferred, .queued])
    }

    // MARK: cancel

    @Test func cancelTakesAQueuedMessageOutOfTheQueueAndReleasesItsClaim() throws {
        let fixture = try Fixture()
        let changes = Collected<String>()
        fixture.store.feed.subscribe(.init(states: [.cancelled])) { lines, _ in
            for line in lines { changes.append(line) }
            return true
        }
        fixture.send("m1")
        fixture.send("m2", key: "stmt-2")
        fixture.send("m3")
        let page = try fixture.claim()
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE claimed_by = 'test'") == 3)

        let byID = try #require(
            try Self.wait { fixture.store.locate(messageID: "m1", dedupKey: nil, completion: $0) }.get())
        #expect(byID.messageID == "m1" && byID.channel == "sms" && byID.state == .queued)
        let byKey = try #require(
            try Self.wait { fixture.store.locate(messageID: nil, dedupKey: "stmt-2", completion: $0) }.get())
        #expect(byKey.messageID == "m2")
        #expect(try Self.wait { fixture.store.locate(messageID: "m-none", dedupKey: nil, completion: $0) }.get() == nil)
        #expect(try Self.wait { fixture.store.locate(messageID: nil, dedupKey: "none", completion: $0) }.get() == nil)

        fixture.clock.advance(1_000)
        for location in [byID, byKey] {
            let cancelled = Self.wait { fixture.store.cancel(location.sequence, client: "uid=1", completion: $0) }
            #expect(try cancelled.get() == true)
        }
        let rows = try fixture.rows(
            "SELECT id, state, reason, reason_detail, updated_at, claimed_by FROM messages ORDER BY seq")
        #expect(
            rows == [
                ["m1", "cancelled", "cancelled", "cancelled by uid=1", String(Self.start + 1_000), nil],
                ["m2", "cancelled", "cancelled", "cancelled by uid=1", String(Self.start + 1_000), nil],
                ["m3", "queued", nil, nil, String(Self.start), "test"],
            ])
        #expect(fixture.status("m1")?.state == .cancelled)
        // Once out of the queue it stays out: a second cancel is refused, a late attempt is lost.
        #expect(try Self.wait { fixture.store.cancel(byID.sequence, client: "uid=1", completion: $0) }.get() == false)
        fixture.record([Self.attempt(page[0], .sent, at: Self.start + 2_000)])
        #expect(fixture.status("m1")?.state == .cancelled)
        #expect(fixture.status("m1")?.history.count == 1, "the attempt happened, and is kept")
        #expect(changes.all.count == 2)
        #expect(changes.all.allSatisfy { $0.contains(#""state":"cancelled""#) })
        #expect(changes.all.first?.contains(#""message_id":"m1""#) == true)
    }

    /// A message another node has paged in is dropped there when this node cancels it: the other node hears of it
    /// as the cancel commits and tells its dispatcher, as a cancellation of its own would; the canceller does not
    /// hear its own again, and a cancel that finds nothing tells nobody.
    @Test func aCancelReachesTheNodeThatPagedTheMessageIn() throws {
        let fixture = try Fixture()
        let other = try PostgresMessageStore(
            configuration: PostgresStoreConfiguration(url: Secret(fixture.url), nodeName: "other"),
            dedupWindow: .seconds(86_400), retention: .seconds(86_400), maxPendingAccepts: 100, clock: fixture.clock,
            logger: Logger(label: "test"))
        defer { other.close() }
        let heard = Collected<HeldRuns>()
        other.onHolds { heard.append($0) }
        let own = Collected<HeldRuns>()
        fixture.store.onHolds { own.append($0) }
        fixture.send("m1")
        fixture.send("m2")
        let paged = try other.makeReader().queued(channel: "sms", priority: .transactional, after: 0, limit: 100)
        #expect(paged.map(\.message.id) == ["m1", "m2"])
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE claimed_by = 'other'") == 2)

        let m1 = try #require(paged.first)
        #expect(try Self.wait { fixture.store.cancel(m1.sequence, client: "uid=1", completion: $0) }.get() == true)
        let deadline = ContinuousClock.now.advanced(by: .seconds(5))
        while heard.all.isEmpty, ContinuousClock.now < deadline { usleep(10_000) }
        #expect(heard.all.map(\.messages) == [[HeldRuns.Message(sequence: m1.sequence, channel: "sms")]])
        #expect(heard.all.allSatisfy { $0.runIDs.isEmpty })
        #expect(try Self.wait { fixture.store.cancel(m1.sequence, client: "uid=1", completion: $0) }.get() == false)
        usleep(300_000)  // two of the keepers' waits: anything more would have arrived
        #expect(heard.all.count == 1, "a cancel that found nothing queued tells nobody")
        #expect(own.all.isEmpty, "the canceller's own notice is not heard again")
        #expect(fixture.status("m2")?.state == .queued)
    }

    @Test func aWithdrawalNoticeNamesItsIssuerAndItsMessages() {
        let payload = "node-a\n41 sms\n42 wecom app"
        #expect(
            PostgresWithdrawals.messages(in: payload, node: "node-b") == [
                HeldRuns.Message(sequence: 41, channel: "sms"), HeldRuns.Message(sequence: 42, channel: "wecom app"),
            ])
        #expect(PostgresWithdrawals.messages(in: payload, node: "node-a").isEmpty)
        #expect(PostgresWithdrawals.messages(in: "node-a\nnot a line", node: "node-b").isEmpty)
    }

    // MARK: requeue

    @Test func failedMessagesAreRequeuedOntoAnotherInstanceWithNewNumbersInOrder() throws {
        let fixture = try Fixture()
        let changes = Collected<String>()
        fixture.store.feed.subscribe(.init(states: [.queued])) { lines, _ in
            for line in lines { changes.append(line) }
            return true
        }
        for index in 1...4 { fixture.send("d\(index)", channel: "down") }
        fixture.send("other", channel: "sms")
        let page = try fixture.claim("down")
        let at = Self.start + 500
        fixture.record([
            Self.attempt(page[0], .failed, at: at, reason: Reason(.vendorUnavailable)),
            Self.attempt(page[1], .failed, at: at, reason: Reason(.throttled)),
            Self.attempt(page[2], .failed, at: at, reason: Reason(.vendorUnavailable), vendorID: "v-3"),
        ])
        let before = try fixture.rows("SELECT id, seq FROM messages ORDER BY seq")

        func count(_ filter: RequeueFilter) throws -> Int {
            try Self.wait { fixture.store.countRequeue(filter, completion: $0) }.get()
        }
        #expect(try count(RequeueFilter(channel: "down", source: .failed(reason: nil))) == 3)
        #expect(try count(RequeueFilter(channel: "down", source: .failed(reason: "vendor_unavailable"))) == 2)
        #expect(try count(RequeueFilter(channel: "down", source: .failed(reason: "auth_expired"))) == 0)
        #expect(try count(RequeueFilter(channel: "down", source: .failed(reason: nil), from: at + 1)) == 0)
        #expect(try count(RequeueFilter(channel: "down", source: .failed(reason: nil), until: at - 1)) == 0)
        #expect(try count(RequeueFilter(channel: "down", source: .failed(reason: nil), from: at, until: at)) == 3)
        #expect(try count(RequeueFilter(channel: "down", source: .queued)) == 1)

        #expect(try fixture.claim("sms").map(\.message.id) == ["other"])
        fixture.clock.advance(1_000)
        let filter = RequeueFilter(channel: "down", source: .failed(reason: "vendor_unavailable"), target: "sms")
        let committedBefore = fixture.committed.all.count
        #expect(try Self.wait { fixture.store.requeue(filter, limit: 10, completion: $0) }.get() == 2)
        fixture.barrier()  // the dispatcher and subscribers hear of a turn's commits after it
        // Queued again on the target, numbered after everything there was, in their old order; failure cleared.
        let moved = try fixture.rows(
            """
            SELECT id, state, channel, origin_channel, attempts, next_attempt_at, reason, reason_code, updated_at,
                claimed_by FROM messages WHERE id IN ('d1', 'd3') ORDER BY seq
            """)
        #expect(
            moved == [
                ["d1", "queued", "sms", "down", "0", "0", nil, nil, String(Self.start + 1_000), nil],
                ["d3", "queued", "sms", "down", "0", "0", nil, nil, String(Self.start + 1_000), nil],
            ])
        let top = before.compactMap { $0[1].flatMap { Int64($0) } }.max() ?? 0
        let sequences = try fixture.rows("SELECT seq FROM messages WHERE id IN ('d1', 'd3') ORDER BY id")
            .compactMap { $0[0].flatMap { Int64($0) } }
        #expect(sequences.count == 2 && sequences.allSatisfy { $0 > top } && sequences[0] < sequences[1])
        // Their attempts follow them to the new numbers.
        #expect(
            try fixture.count(
                "SELECT count(*) FROM attempts a JOIN messages m ON m.seq = a.message_seq WHERE m.id IN ('d1', 'd3')")
                == 2)
        #expect(fixture.status("d1")?.history.count == 1)
        // The dispatcher hears of them by target and lane, and pages them after what it had read.
        var expected = LaneCounts.zero
        expected[.transactional] = 2
        #expect(Array(fixture.committed.all.dropFirst(committedBefore)) == [["sms": expected]])
        let claimed = try fixture.claim("sms")
        #expect(claimed.map(\.message.id) == ["d1", "d3"], "other was claimed before")
        #expect(claimed.map(\.sequence) == sequences)
        #expect(changes.all.filter { $0.contains(#""reason":"requeued""#) }.count == 2)
        #expect(try count(RequeueFilter(channel: "down", source: .failed(reason: nil))) == 1)

        // A queued message held by this node's dispatcher moves too, its claim released for the target's.
        let queued = RequeueFilter(channel: "down", source: .queued, target: "sms")
        #expect(try Self.wait { fixture.store.requeue(queued, limit: 10, completion: $0) }.get() == 1)
        #expect(try fixture.rows("SELECT channel, claimed_by FROM messages WHERE id = 'd4'") == [["sms", nil]])
        #expect(try fixture.claim("sms").map(\.message.id) == ["d4"])
        // The limit holds.
        let rest = RequeueFilter(channel: "down", source: .failed(reason: nil))
        #expect(try Self.wait { fixture.store.requeue(rest, limit: 0, completion: $0) }.get() == 0)
        #expect(try Self.wait { fixture.store.requeue(rest, limit: 5, completion: $0) }.get() == 1)
        #expect(try fixture.rows("SELECT channel, origin_channel FROM messages WHERE id = 'd2'") == [["down", nil]])
    }

    // MARK: pause

    @Test func aPauseOutlivesARestartUntilResumed() throws {
        let fixture = try Fixture()
        for (channel, paused) in [("sms", true), ("wecom", true), ("wecom", false)] {
            let done = Self.wait { fixture.store.setPaused(channel, paused: paused, client: "uid=1", completion: $0) }
            #expect((try? done.get()) != nil)
        }
        #expect(try fixture.store.pausedInstances() == ["sms"])
        try fixture.reopen()
        #expect(try fixture.store.pausedInstances() == ["sms"])
        #expect(
            try fixture.rows("SELECT channel, paused, changed_at, client FROM instance_controls ORDER BY channel")
                == [["sms", "1", String(Self.start), "uid=1"], ["wecom", "0", String(Self.start), "uid=1"]])
    }

    // MARK: consent

    func changeConsent(_ fixture: Fixture, _ changes: [ConsentChange]) throws -> Int {
        try Self.wait { fixture.store.changeConsent(changes, completion: $0) }.get()
    }

    func consentReport(_ fixture: Fixture, _ subject: ConsentChange.Subject) throws -> ConsentReport {
        try Self.wait { fixture.store.consent(of: subject, completion: $0) }.get()
    }

    @Test func optOutSuppressesMarketingOnlyAndTheLatestDecisionWins() throws {
        let fixture = try Fixture()
        #expect(fixture.send("before", category: .marketing) == "queued")
        #expect(
            try changeConsent(
                fixture,
                [
                    ConsentChange(
                        subject: .address("+86 138 0013 8000"), channel: "sms", optOut: true, route: .smsReply,
                        evidence: "mo-1", client: "callback:sms")
                ]) == 1)
        #expect(fixture.send("m1", category: .marketing) == "suppressed:opted_out")
        #expect(fixture.send("m2", category: .marketing, customer: nil) == "suppressed:opted_out")
        #expect(fixture.send("m3", category: .transactional) == "queued")
        #expect(fixture.send("m4", category: .critical) == "queued")
        #expect(fixture.send("m5", channel: "wecom", category: .marketing) == "queued")
        // A customer-wide opt-out of every channel, then an opt-in for one channel only.
        _ = try changeConsent(
            fixture,
            [
                ConsentChange(
                    subject: .customer("C9"), channel: "*", optOut: true, route: .api, evidence: nil, client: "uid=1")
            ]
        )
        #expect(
            fixture.send("m6", channel: "wecom", category: .marketing, to: "13900000000", customer: "C9")
                == "suppressed:opted_out")
        _ = try changeConsent(
            fixture,
            [
                ConsentChange(
                    subject: .customer("C9"), channel: "wecom", optOut: false, route: .api, evidence: "ticket 7",
                    client: "uid=2")
            ])
        #expect(
            fixture.send("m7", channel: "wecom", category: .marketing, to: "13900000000", customer: "C9") == "queued")
        #expect(
            fixture.send("m8", category: .marketing, to: "13900000000", customer: "C9") == "suppressed:opted_out")
        // The log keeps both changes, in order, with route, evidence and client; the standing opt-out is `*`.
        let report = try consentReport(fixture, .customer("C9"))
        #expect(report.entries.map(\.action) == [.optOut, .optIn])
        #expect(report.entries.map(\.channel) == ["*", "wecom"])
        #expect(report.entries.map(\.client) == ["uid=1", "uid=2"])
        #expect(report.entries.map(\.subjectKind) == [.customer, .customer])
        #expect(report.entries.map(\.subject) == ["C9", "C9"])
        #expect(report.entries.last?.evidence == "ticket 7")
        #expect(report.entries.first?.at == Self.start)
        #expect(report.optedOut == ["*"])
        let byNumber = try consentReport(fixture, .address("13800138000"))
        #expect(byNumber.entries.first?.route == .smsReply)
        #expect(byNumber.entries.first?.evidence == "mo-1")
        #expect(byNumber.optedOut == ["sms"])
        #expect(try consentReport(fixture, .customer("nobody")).entries.isEmpty)
    }

    /// The rows are SQLite's: the log under the subject's keyed hash with its text and evidence sealed, and the
    /// standing decision per channel pointing at its log entry. Several changes in one call land in order.
    @Test func consentRowsAreTheSQLiteStoresAndABatchKeepsItsOrder() throws {
        let key: [UInt8] = Array(repeating: 9, count: 32)
        let fixture = try Fixture(key: key)
        let cipher = FieldCipher(key: key)
        let changes = [
            ConsentChange(
                subject: .customer("C1"), channel: "sms", optOut: true, route: .api, evidence: "a", client: "u"),
            ConsentChange(
                subject: .customer("C1"), channel: "*", optOut: true, route: .import, evidence: nil, client: "u"),
            ConsentChange(
                subject: .customer("C1"), channel: "sms", optOut: false, route: .api, evidence: "b", client: "u"),
        ]
        #expect(try changeConsent(fixture, changes) == 3)
        let subject = cipher.dedupKey(PolicySubject.customer("C1"))
        let log = try fixture.rows(
            "SELECT seq, subject, subject_kind, channel, action, route, client, at FROM consent_log ORDER BY seq")
        #expect(
            log == [
                ["1", subject, "customer", "sms", "optout", "api", "u", String(Self.start)],
                ["2", subject, "customer", "*", "optout", "import", "u", String(Self.start)],
                ["3", subject, "customer", "sms", "optin", "api", "u", String(Self.start)],
            ])
        let sealed = try fixture.rows("SELECT subject_text, evidence FROM consent_log ORDER BY seq")
        #expect(sealed.allSatisfy { $0[0]?.hasPrefix("enc1:") == true })
        #expect(try sealed.map { try cipher.open($0[1]) } == ["a", nil, "b"])
        #expect(
            try fixture.rows("SELECT subject, channel, opted_out, log_seq FROM consent_state ORDER BY log_seq")
                == [[subject, "*", "1", "2"], [subject, "sms", "0", "3"]])
        // The report shows the opt-out of every channel standing; a send takes the latest decision for its channel
        // or every channel: the opt-in for sms, the opt-out for the rest.
        #expect(try consentReport(fixture, .customer("C1")).optedOut == ["*"])
        #expect(fixture.send("m1", category: .marketing, customer: "C1") == "queued")
        #expect(fixture.send("m2", channel: "wecom", category: .marketing, customer: "C1") == "suppressed:opted_out")
    }

    @Test func theWholeConsentLogReadsPageByPage() throws {
        let fixture = try Fixture()
        for index in 0..<7 {
            fixture.clock.advance(1_000)
            _ = try changeConsent(
                fixture,
                [
                    ConsentChange(
                        subject: .customer("c\(index)"), channel: "*", optOut: true, route: .api,
                        evidence: "form \(index)", client: "uid=1")
                ])
        }
        func page(after sequence: Int64, since: Int64? = nil, limit: Int) throws -> [ConsentReport.Entry] {
            try Self.wait { fixture.store.consentLog(after: sequence, since: since, limit: limit, completion: $0) }
                .get()
        }
        let first = try page(after: 0, limit: 3)
        #expect(first.map(\.subject) == ["c0", "c1", "c2"])
        let second = try page(after: first.last?.sequence ?? 0, limit: 3)
        #expect(second.map(\.subject) == ["c3", "c4", "c5"])
        let last = try page(after: second.last?.sequence ?? 0, limit: 3)
        #expect(last.map(\.subject) == ["c6"])
        #expect(last.first?.evidence == "form 6")
        #expect(last.first?.at == Self.start + 7_000)
        #expect(try page(after: 0, since: Self.start + 6_000, limit: 10).map(\.subject) == ["c5", "c6"])
        #expect(try page(after: 0, since: Self.start + 60_000, limit: 10).isEmpty)
    }

    // MARK: reports

    @Test func aReportCountsEachInstancesOutcomesSinceATime() throws {
        let fixture = try Fixture()
        fixture.send("early", channel: "wecom")
        fixture.clock.advance(10_000)
        let since = fixture.clock.nowMilliseconds
        for id in ["sent", "delivered", "failed-sent", "failed", "queued", "expired"] { fixture.send(id) }
        fixture.send("w1", channel: "wecom")
        _ = try changeConsent(
            fixture,
            [
                ConsentChange(
                    subject: .customer("C1"), channel: "*", optOut: true, route: .api, evidence: nil, client: "u")
            ])
        #expect(fixture.send("suppressed", category: .marketing) == "suppressed:opted_out")
        let page = Dictionary(uniqueKeysWithValues: try fixture.claim().map { ($0.message.id, $0) })
        let at = since + 100
        fixture.record([
            Self.attempt(try #require(page["sent"]), .sent, at: at, vendorID: "v1"),
            Self.attempt(try #require(page["delivered"]), .sent, at: at, vendorID: "v2"),
            Self.attempt(
                try #require(page["failed-sent"]), .failed, at: at, reason: Reason(.invalidRecipient), vendorID: "v3"),
            Self.attempt(try #require(page["failed"]), .failed, at: at, reason: Reason(.throttled)),
            Self.attempt(try #require(page["expired"]), .expired, at: at),
        ])
        let delivered = String(try #require(page["delivered"]).sequence)
        _ = try fixture.rows("UPDATE messages SET state = 'delivered' WHERE seq = $1", [delivered])
        // Opened and clicked by receipt, link and event: each message counts once.
        _ = try fixture.rows(
            """
            INSERT INTO receipts (channel, message_seq, event, received_at, fingerprint)
            VALUES ('sms', $1, 'opened', 1, 'o1'), ('sms', $1, 'clicked', 1, 'c1')
            """, [delivered])
        _ = try fixture.rows(
            """
            INSERT INTO engagement_events (event_id, message_seq, type, occurred_at, client, received_at)
            VALUES ('e1', $1, 'clicked', 1, 'bank', 1), ('e2', $1, 'opened', 1, 'bank', 1)
            """, [delivered])

        let reports = try fixture.store.report(since: since)
        #expect(reports.map(\.channel) == ["sms", "wecom"])
        let sms = try #require(reports.first)
        #expect(sms.accepted == 7)
        #expect(sms.sent == 3, "sent, delivered and the failure the vendor took")
        #expect(sms.delivered == 1)
        #expect(sms.failedByReason == ["invalid_recipient": 1, "throttled": 1])
        #expect(sms.expired == 1)
        #expect(sms.suppressed == 1)
        #expect(sms.queued == 1)
        #expect(sms.opened == 1 && sms.clicked == 1)
        #expect(reports.last?.accepted == 1, "the earlier wecom message is before the period")
        #expect(reports.last?.queued == 1)
        #expect(try fixture.store.report(since: since + 60_000).isEmpty)

        // Changes since a time: each message's current state, oldest change first, up to the limit.
        let changes = try fixture.store.changes(since: at, limit: 10)
        #expect(changes.count == 5)
        #expect(Set(changes.map(\.messageID)) == ["sent", "delivered", "failed-sent", "failed", "expired"])
        #expect(changes.first { $0.messageID == "failed" }?.reason == "throttled")
        #expect(changes.first { $0.messageID == "delivered" }?.state == .delivered)
        #expect(changes.allSatisfy { $0.customer == "C1" && $0.at == at })
        #expect(try fixture.store.changes(since: since, limit: 2).count == 2)
    }

    // MARK: outbox

    @Test func theOutboxKeepsEveryChangeSealedInOrderUntilAcknowledged() throws {
        let fixture = try Fixture(key: Array(repeating: 3, count: 32))
        let woken = Collected<Int>()
        fixture.store.enableOutbox { woken.append(1) }
        fixture.send("m1")
        let location = try #require(
            try Self.wait { fixture.store.locate(messageID: "m1", dedupKey: nil, completion: $0) }.get())
        #expect(try Self.wait { fixture.store.cancel(location.sequence, client: "uid=1", completion: $0) }.get())
        fixture.barrier()
        let bodies = try fixture.rows("SELECT body, created_at FROM outbox ORDER BY seq")
        #expect(bodies.count == 2)
        #expect(bodies.allSatisfy { $0[0]?.hasPrefix("enc1:") == true && $0[1] == String(Self.start) })
        let entries = try fixture.store.makeReader().outbox(limit: 10)
        #expect(entries.count == 2)
        #expect(entries.first?.line.contains(#""state":"queued""#) == true)
        #expect(entries.last?.line.contains(#""state":"cancelled""#) == true)
        #expect(entries.last?.line.contains(#""customer":"C1""#) == true)
        #expect(!woken.all.isEmpty)

        fixture.store.acknowledgeOutbox(upTo: try #require(entries.first).sequence)
        fixture.barrier()
        #expect(try fixture.count("SELECT count(*) FROM outbox") == 1)
        fixture.store.acknowledgeOutbox(upTo: try #require(entries.last).sequence)
        fixture.barrier()
        #expect(try fixture.count("SELECT count(*) FROM outbox") == 0)
    }

    @Test func aChangesOutboxLineCommitsWithTheChangeItself() throws {
        let fixture = try Fixture()
        fixture.store.enableOutbox {}
        // Seen from another connection at the moment the client hears its ACK: the line is already there (written
        // after the commit, a crash in between would lose it).
        let url = fixture.url
        let seen = Collected<Int>()
        let message = OutboundMessage(id: "m1", channel: "sms", recipient: "13800138000", content: "hello")
        let request = AcceptRequest(
            message: message, channelType: "sms", customer: "C1", dedupKey: nil, clientDedupKey: nil, notAfter: nil)
        _ = Self.wait { done in
            _ = fixture.store.accept([request]) { results in
                let other = try? PostgresConnection(try PostgresConnectionString(Secret(url)))
                let lines = try? other?.query(PostgresStatement("SELECT count(*) FROM outbox")).scalar
                seen.append(Int(lines ?? "") ?? -1)
                done(results)
            }
        }
        #expect(seen.all == [1])
        // A completion's line commits with it too.
        let page = try fixture.claim()
        fixture.store.record(
            page.map { stored in
                AttemptRecord(
                    sequence: stored.sequence, channel: "sms", attempt: 1, startedAt: Self.start,
                    finishedAt: Self.start + 5, outcome: .sent, state: .sent, httpStatus: 200, vendorMessageID: "v1")
            })
        fixture.barrier()
        let lines = try fixture.rows("SELECT body FROM outbox ORDER BY seq").compactMap { $0[0] }
        #expect(lines.count == 2)
        #expect(lines.last?.contains(#""state":"sent""#) == true)
    }

    // MARK: pruning

    @Test func finishedMessagesOlderThanRetentionArePrunedQueuedOnesNever() throws {
        var policy = PolicyConfiguration()
        policy.caps = [
            FrequencyCap(name: "daily", category: .marketing, max: 10, per: .seconds(86_400), perChannel: false)
        ]
        let fixture = try Fixture(retention: .seconds(3600), dedupWindow: .seconds(60), policy: policy)
        fixture.send("done", key: "1")
        fixture.send("waiting", key: "2")
        fixture.send("capped", category: .marketing)
        let page = try fixture.claim()
        let done = try #require(page.first { $0.message.id == "done" })
        fixture.record([Self.attempt(done, .sent, at: Self.start, vendorID: "v-done")])
        // Its delivery receipt, and one for a message never sent, which waits unmatched.
        let tally = PostgresOperatorTests.wait { done in
            fixture.store.recordReceipts(
                channel: "sms",
                [
                    Receipt(vendorMessageID: "v-done", event: .delivered),
                    Receipt(vendorMessageID: "v-none", event: .delivered),
                ],
                completion: done)
        }
        #expect((try? tally.get())?.matched == 1)
        #expect(fixture.status("done")?.state == .delivered)
        #expect(fixture.status("done")?.history.count == 1)
        #expect(try fixture.count("SELECT count(*) FROM receipts") == 2)
        #expect(try fixture.count("SELECT count(*) FROM dedup") == 2)
        #expect(try fixture.count("SELECT count(*) FROM cap_events") == 1)
        fixture.clock.advance(3_000_000)
        #expect(fixture.status("done") != nil, "inside retention")
        #expect(try fixture.count("SELECT count(*) FROM dedup") == 0, "past the dedup window")
        fixture.clock.advance(700_000)
        #expect(fixture.status("done") == nil, "past retention")
        #expect(try fixture.count("SELECT count(*) FROM attempts") == 0, "its attempts go with it")
        #expect(try fixture.count("SELECT count(*) FROM receipts") == 0, "its receipt with it, the unmatched one too")
        #expect(fixture.status("waiting")?.state == .queued, "queued messages are never pruned")
        #expect(fixture.status("capped")?.state == .queued)
        #expect(try fixture.count("SELECT count(*) FROM cap_events") == 1, "inside the cap's window")
        fixture.clock.advance(86_400_000)
        fixture.barrier()
        #expect(try fixture.count("SELECT count(*) FROM cap_events") == 0, "past the cap's window")
    }

    /// Pruning walks messages in `seq` order and stops at the first one created inside retention; the next walk
    /// goes on from there.
    @Test func pruningWalksInOrderAndResumesWhereItStopped() throws {
        let fixture = try Fixture(retention: .seconds(3600), dedupWindow: .seconds(60))
        for id in ["old-1", "old-queued", "old-2"] { fixture.send(id) }
        fixture.clock.advance(1_000_000)
        fixture.send("young")
        let page = Dictionary(uniqueKeysWithValues: try fixture.claim().map { ($0.message.id, $0) })
        let now = fixture.clock.nowMilliseconds
        fixture.record(try ["old-1", "old-2", "young"].map { Self.attempt(try #require(page[$0]), .sent, at: now) })
        #expect(fixture.status("young")?.state == .sent)
        fixture.clock.advance(2_700_000)  // the first three are past retention, "young" is not
        #expect(fixture.status("old-1") == nil)
        #expect(fixture.status("old-2") == nil)
        #expect(fixture.status("old-queued")?.state == .queued, "queued messages are never pruned")
        #expect(fixture.status("young")?.state == .sent, "inside retention")
        fixture.clock.advance(1_000_000)
        #expect(fixture.status("young") == nil, "the next pass finds it")
        #expect(fixture.status("old-queued")?.state == .queued)
        // A message that was queued when passes went by goes once it has finished.
        fixture.record([Self.attempt(try #require(page["old-queued"]), .sent, at: fixture.clock.nowMilliseconds)])
        #expect(fixture.status("old-queued")?.state == .sent)
        fixture.clock.advance(61_000)
        #expect(fixture.status("old-queued") == nil)
    }

    /// A prune deletes a bounded batch and says so; the next goes on past a batch that was all still queued
    /// instead of walking it again.
    @Test func aFullBatchIsReportedAndTheNextPruneGoesOnFromIt() throws {
        let fixture = try Fixture(retention: .seconds(3600))
        fixture.barrier()  // the writer's first prune has run; the clock stays, so it runs no other
        let old = String(Self.start - 2 * Self.hour)
        _ = try fixture.rows(
            """
            INSERT INTO messages (id, channel, recipient, category, created_at, state, updated_at)
            SELECT 'q' || g, 'sms', 'x', 'transactional', $1, 'queued', $1 FROM generate_series(1, 5000) AS g
            """, [old])
        _ = try fixture.rows(
            """
            INSERT INTO messages (id, channel, recipient, category, created_at, state, updated_at)
            SELECT 's' || g, 'sms', 'x', 'transactional', $1, 'sent', $1 FROM generate_series(1, 10) AS g
            """, [old])
        _ = try fixture.rows("INSERT INTO attempts SELECT seq, 1, 0, 0, 'sent' FROM messages WHERE state = 'sent'")
        let store = fixture.store
        let connection = try PostgresConnection(try PostgresConnectionString(Secret(fixture.url)))
        #expect(store.prune(connection, now: Self.start, capWindow: 0), "a whole batch of old messages was walked")
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE state = 'sent'") == 10)
        #expect(!store.prune(connection, now: Self.start, capWindow: 0), "the rest was less than a batch")
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE state = 'sent'") == 0)
        #expect(try fixture.count("SELECT count(*) FROM attempts") == 0)
        #expect(try fixture.count("SELECT count(*) FROM messages") == 5000)
        // The pass is over: the next starts from the oldest again.
        let cursor = try connection.query(PostgresStatement("SELECT current_setting('cgw.prune_cursor', true)"))
        #expect(cursor.scalar == "0")
    }
}
