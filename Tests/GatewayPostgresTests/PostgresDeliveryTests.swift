import ChannelKit
import Foundation
import GatewayConfig
import GatewayPostgres
import GatewayStore
import Synchronization
import Testing

/// Claims, leases and batched completion against a real PostgreSQL, with several connections as several nodes.
@Suite struct PostgresDeliveryTests {
    static let now = PostgresIntakeTests.start
    static let lease: Int64 = 30_000

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
            channel: "sms", lane: .transactional, limit: 10, now: Self.now, lease: Self.lease, on: fixture.connection)
        #expect(page.map(\.message.id) == ["m1", "m2", "m3"])
        #expect(page.first?.message.recipient == "13800138000")
        #expect(page.first?.message.params == ["code": "1234"])
        #expect(page.first?.message.content == "hello m1")
        let claims = try fixture.connection.query(
            PostgresStatement("SELECT DISTINCT claimed_by, claimed_until FROM messages"))
        #expect(claims.rows == [["a", String(Self.now + Self.lease)]])
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
                channel: "sms", lane: .transactional, limit: 25, now: Self.now, lease: Self.lease, on: connection),
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

    @Test func aLeaseKeepsOthersOutUntilItEndsThenAnotherNodeTakesOver() throws {
        let fixture = try Self.queued(2)
        let (a, b) = (Self.node("a"), Self.node("b"))
        let first = try a.claim(
            channel: "sms", lane: .transactional, limit: 10, now: Self.now, lease: Self.lease, on: fixture.connection)
        #expect(first.count == 2)
        #expect(
            try b.claim(
                channel: "sms", lane: .transactional, limit: 10, now: Self.now + Self.lease - 1, lease: Self.lease,
                on: fixture.connection
            ).isEmpty)
        // a renews one of them; the other's lease ends and b takes it over.
        #expect(try a.renew([first[0].sequence], until: Self.now + 2 * Self.lease, on: fixture.connection) == 1)
        let taken = try b.claim(
            channel: "sms", lane: .transactional, limit: 10, now: Self.now + Self.lease + 1, lease: Self.lease,
            on: fixture.connection)
        #expect(taken.map(\.message.id) == [first[1].message.id])
        // a finishes both late: the renewed one applies; the taken one is lost, its attempt still kept.
        let late = try a.complete(first.map { Self.record($0) }, on: fixture.connection)
        #expect(late == PostgresDelivery.Completion(applied: 1, lost: 1))
        let finished = try b.complete(taken.map { Self.record($0) }, on: fixture.connection)
        #expect(finished == PostgresDelivery.Completion(applied: 1, lost: 0))
        #expect(try fixture.count("SELECT count(*) FROM attempts") == 3)
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE state = 'sent' AND claimed_by IS NULL") == 2)
    }

    @Test func aRetryIsReleasedAndClaimableOnlyWhenDue() throws {
        let fixture = try Self.queued(1)
        let a = Self.node("a")
        let page = try a.claim(
            channel: "sms", lane: .transactional, limit: 10, now: Self.now, lease: Self.lease, on: fixture.connection)
        let retry = Self.record(page[0], outcome: .retry)
        #expect(try a.complete([retry], on: fixture.connection).applied == 1)
        let row = try fixture.connection.query(
            PostgresStatement("SELECT state, attempts, next_attempt_at, reason, claimed_by FROM messages"))
        #expect(row.rows == [["queued", "1", String(retry.nextAttemptAt), "vendor_unavailable", nil]])
        let b = Self.node("b")
        #expect(
            try b.claim(
                channel: "sms", lane: .transactional, limit: 10, now: retry.nextAttemptAt - 1, lease: Self.lease,
                on: fixture.connection
            ).isEmpty)
        let due = try b.claim(
            channel: "sms", lane: .transactional, limit: 10, now: retry.nextAttemptAt, lease: Self.lease,
            on: fixture.connection)
        #expect(due.map(\.attempts) == [1])
    }

    @Test func lanesAndChannelsAreClaimedApart() throws {
        let fixture = try PostgresIntakeTests.Fixture()
        _ = fixture.accept([
            PostgresIntakeTests.request("t1"), PostgresIntakeTests.request("c1", category: .critical),
            PostgresIntakeTests.request("k1", category: .marketing),
        ])
        let a = Self.node("a")
        func ids(_ lane: PriorityLane) throws -> [String] {
            try a.claim(channel: "sms", lane: lane, limit: 10, now: Self.now, lease: Self.lease, on: fixture.connection)
                .map(\.message.id)
        }
        #expect(try ids(.critical) == ["c1"])
        #expect(try ids(.transactional) == ["t1"])
        #expect(try ids(.marketing) == ["k1"])
        #expect(
            try a.claim(
                channel: "push", lane: .transactional, limit: 10, now: Self.now, lease: Self.lease,
                on: fixture.connection
            )
            .isEmpty)
    }
}
