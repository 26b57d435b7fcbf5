import ChannelKit
import ControlProtocol
import Foundation
import GatewayConfig
import GatewayPostgres
import GatewayStore
import Synchronization
import Testing

/// Claims, releases and batched completion against a real PostgreSQL, with several connections as several nodes.
@Suite struct PostgresDeliveryTests {
    static let now = PostgresIntakeTests.start

    /// A database with `count` queued transactional sms messages (`m1`…), accepted through the intake.
    static func queued(_ count: Int) throws -> PostgresIntakeTests.Fixture {
        let fixture = try PostgresIntakeTests.Fixture()
        let results = fixture.accept((1...count).map { PostgresIntakeTests.request("m\($0)") })
        try #require(results.count == count)
        return fixture
    }

    static func node(_ name: String) -> PostgresDelivery { PostgresDelivery(cipher: FieldCipher(key: nil), node: name) }

    static func record(_ message: StoredMessage, outcome: AttemptRecord.Outcome = .sent, at: Int64 = now + 100)
        -> AttemptRecord
    {
        AttemptRecord(
            sequence: message.sequence, channel: "sms", attempt: message.attempts + 1, startedAt: at - 50,
            finishedAt: at, outcome: outcome, state: outcome == .retry ? .queued : .sent, httpStatus: 200,
            reason: outcome == .retry ? Reason(.vendorUnavailable, vendorCode: "503") : nil,
            vendorMessageID: outcome == .sent ? "v-\(message.message.id)" : nil,
            nextAttemptAt: outcome == .retry ? at + 5_000 : 0)
    }

    @Test func aClaimReturnsTheMessagesInOrderWithTheirFields() throws {
        let fixture = try Self.queued(3)
        let page = try Self.node("a").claim(
            channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection)
        #expect(page.map(\.message.id) == ["m1", "m2", "m3"])
        #expect(page.first?.message.recipient == "13800138000")
        #expect(page.first?.message.params == ["code": "1234"])
        #expect(page.first?.message.content == "hello m1")
        let claims = try fixture.connection.query(
            PostgresStatement("SELECT DISTINCT claimed_by, claimed_until FROM messages"))
        #expect(claims.rows == [["a", nil]])
    }

    @Test func concurrentClaimsNeverShareAMessage() throws {
        let fixture = try Self.queued(400)
        let url = fixture.url
        let claimed = Mutex<[String: [String]]>([:])
        DispatchQueue.concurrentPerform(iterations: 4) { index in
            guard let connection = try? PostgresConnection(url) else { return }
            let node = Self.node("n\(index)")
            var mine: [String] = []
            while let page = try? node.claim(
                channel: "sms", lane: .transactional, limit: 25, now: Self.now, on: connection),
                !page.isEmpty
            {
                mine += page.map(\.message.id)
            }
            claimed.withLock { $0["n\(index)"] = mine }
        }
        let all = claimed.withLock { $0 }
        let ids = all.values.flatMap { $0 }
        #expect(all.count == 4)
        #expect(ids.count == 400)
        #expect(Set(ids).count == 400)
        // Each claimed row is marked for the node that got it (a node may have found nothing left).
        let marked = try fixture.connection.query(
            PostgresStatement("SELECT claimed_by, count(*) FROM messages GROUP BY claimed_by ORDER BY 1"))
        let expected = all.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }.map {
            [$0.key, String($0.value.count)]
        }
        #expect(marked.rows == expected)
    }

    @Test func aNodesClaimsKeepOthersOutUntilReleasedThenAnotherNodeTakesOver() throws {
        let fixture = try Self.queued(2)
        let (a, b) = (Self.node("a"), Self.node("b"))
        let first = try a.claim(channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection)
        #expect(first.count == 2)
        #expect(
            try b.claim(channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection).isEmpty)
        // a finishes one; then a is taken for dead and its claims released: b takes the other over.
        #expect(try a.complete([Self.record(first[0])], on: fixture.connection).applied == 1)
        #expect(try b.release(nodes: ["a"], on: fixture.connection) == 1)
        let taken = try b.claim(channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection)
        #expect(taken.map(\.message.id) == [first[1].message.id])
        // a's late completion of the taken one is lost, its attempt still kept; b's applies.
        let late = try a.complete([Self.record(first[1])], on: fixture.connection)
        #expect((late.applied, late.lost) == (0, 1))
        let finished = try b.complete(taken.map { Self.record($0) }, on: fixture.connection)
        #expect((finished.applied, finished.lost) == (1, 0))
        #expect(try fixture.count("SELECT count(*) FROM attempts") == 3)
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE state = 'sent' AND claimed_by IS NULL") == 2)
    }

    @Test func aRetryStaysWithTheNodeThatSendsItAgain() throws {
        let fixture = try Self.queued(1)
        let a = Self.node("a")
        let page = try a.claim(channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection)
        let retry = Self.record(page[0], outcome: .retry)
        #expect(try a.complete([retry], on: fixture.connection).applied == 1)
        let row = try fixture.connection.query(
            PostgresStatement("SELECT state, attempts, next_attempt_at, reason, claimed_by FROM messages"))
        #expect(row.rows == [["queued", "1", String(retry.nextAttemptAt), "vendor_unavailable", "a"]])
        #expect(
            try Self.node("b").claim(
                channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection
            )
            .isEmpty)
        var again = page[0]
        again.attempts = 1
        let sent = try a.complete([Self.record(again)], on: fixture.connection)
        #expect((sent.applied, sent.lost) == (1, 0))
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE state = 'sent' AND claimed_by IS NULL") == 1)
    }

    @Test func deferredMessagesAreClaimedWhenDueEarliestFirst() throws {
        let fixture = try Self.queued(3)
        // m1 deferred for an hour; m3 due before m2.
        _ = try fixture.connection.query(
            PostgresStatement(
                "UPDATE messages SET next_attempt_at = CASE id WHEN 'm1' THEN $1::bigint WHEN 'm3' THEN 1 ELSE 2 END",
                [String(Self.now + 3_600_000)]))
        let a = Self.node("a")
        let due = try a.claim(channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection)
        #expect(due.map(\.message.id) == ["m3", "m2"])
        #expect(
            try a.claim(channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection).isEmpty)
        let later = try Self.node("b").claim(
            channel: "sms", lane: .transactional, limit: 10, now: Self.now + 3_600_000, on: fixture.connection)
        #expect(later.map(\.message.id) == ["m1"])
    }

    @Test func completionsReportTheirStateChangesAndQueueReceiptQueries() throws {
        let fixture = try Self.queued(2)
        let a = Self.node("a")
        let page = try a.claim(channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection)
        let done = try a.complete(
            [Self.record(page[0]), Self.record(page[1], outcome: .retry)], pollDelays: ["sms": 60_000],
            collectChanges: true, on: fixture.connection)
        #expect(done.changes.map(\.messageID).sorted() == ["m1", "m2"])
        #expect(done.changes.first { $0.messageID == "m1" }?.state == .sent)
        #expect(done.changes.first { $0.messageID == "m2" }?.state == .retrying)
        let polls = try fixture.connection.query(PostgresStatement("SELECT seq, due_at FROM poll_queue"))
        #expect(polls.rows == [[String(page[0].sequence), String(Self.now + 100 + 60_000)]])
    }

    @Test func aFailoverRenumbersTheMessageAndReleasesIt() throws {
        let fixture = try Self.queued(1)
        let a = Self.node("a")
        let page = try a.claim(channel: "sms", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection)
        var failed = Self.record(page[0], outcome: .failedOver)
        failed.state = .queued
        _ = try a.complete([failed], on: fixture.connection)
        let moved = try a.failover(
            [FailoverMove(sequence: page[0].sequence, channel: "sms-backup", origin: "sms", priority: .transactional)],
            now: Self.now + 200, on: fixture.connection)
        #expect(moved == [page[0].sequence])
        let backup = try a.claim(
            channel: "sms-backup", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection)
        #expect(backup.map(\.message.id) == ["m1"])
        #expect(backup.first?.failedOverFrom == "sms")
        #expect(try fixture.count("SELECT count(*) FROM attempts WHERE message_seq = \(backup[0].sequence)") == 1)
    }

    @Test func lanesAndChannelsAreClaimedApart() throws {
        let fixture = try PostgresIntakeTests.Fixture()
        _ = fixture.accept([
            PostgresIntakeTests.request("t1"), PostgresIntakeTests.request("c1", category: .critical),
            PostgresIntakeTests.request("k1", category: .marketing),
        ])
        let a = Self.node("a")
        func ids(_ lane: PriorityLane) throws -> [String] {
            try a.claim(channel: "sms", lane: lane, limit: 10, now: Self.now, on: fixture.connection)
                .map(\.message.id)
        }
        #expect(try ids(.critical) == ["c1"])
        #expect(try ids(.transactional) == ["t1"])
        #expect(try ids(.marketing) == ["k1"])
        #expect(
            try a.claim(
                channel: "push", lane: .transactional, limit: 10, now: Self.now, on: fixture.connection
            )
            .isEmpty)
    }
}
