import ChannelKit
import Foundation
import GatewayConfig
import GatewayPostgres
import GatewayStore
import Logging
import PostgresTesting
import Synchronization
import Testing

/// Batched intake against a real PostgreSQL: dedup on the unique index and caps under advisory locks, exact when
/// several connections (as several nodes would) accept for the same customer at once.
@Suite struct PostgresIntakeTests {
    static let start: Int64 = 1_795_449_600_000 + 10 * 3_600_000  // 10:00 in Shanghai
    static let day: Int64 = 86_400_000

    /// A migrated database of its own and the intake over it.
    struct Fixture {
        let url: PostgresConnectionString
        let connection: PostgresConnection
        let intake: PostgresIntake
        let policy: AdmissionPolicy

        init(_ configuration: PolicyConfiguration = PolicyConfiguration(), key: [UInt8]? = nil) throws {
            let cluster = try PostgresCluster.shared
            url = try PostgresConnectionString(Secret(cluster.url(database: try cluster.createDatabase())))
            connection = try PostgresConnection(url)
            try PostgresSchema.migrate(connection, node: "test", logger: Logger(label: "test"))
            intake = PostgresIntake(cipher: FieldCipher(key: key), dedupWindow: PostgresIntakeTests.day)
            policy = AdmissionPolicy(configuration)
        }

        func accept(
            _ requests: [AcceptRequest], now: Int64 = PostgresIntakeTests.start, on other: PostgresConnection? = nil
        )
            -> [AcceptResult]
        {
            intake.accept(requests, now: now, policy: policy, on: other ?? connection)
        }

        func count(_ sql: String) throws -> Int {
            Int(try connection.query(PostgresStatement(sql)).scalar ?? "") ?? -1
        }
    }

    static func request(
        _ id: String, key: String? = nil, category: MessageCategory = .transactional, customer: String? = "C1",
        to recipient: String = "13800138000", onCap: AcceptRequest.CapAction = .suppress
    ) -> AcceptRequest {
        AcceptRequest(
            message: OutboundMessage(
                id: id, channel: "sms", recipient: recipient, category: category, params: ["code": "1234"],
                content: "hello \(id)"),
            channelType: "sms", customer: customer, dedupKey: key, clientDedupKey: key, notAfter: nil, onCap: onCap)
    }

    static func dailyCap(_ max: Int) -> PolicyConfiguration {
        var policy = PolicyConfiguration()
        policy.caps = [
            FrequencyCap(name: "daily", category: .marketing, max: max, per: .seconds(86_400), perChannel: false)
        ]
        return policy
    }

    @Test func aBatchIsStoredQueuedWithEveryField() throws {
        let fixture = try Fixture()
        let results = fixture.accept([Self.request("m1", key: "k1"), Self.request("m2")])
        #expect(results.map(\.text) == ["queued m1", "queued m2"])
        let row = try fixture.connection.query(
            PostgresStatement(
                "SELECT channel, recipient, state, params, content, priority, created_at, updated_at FROM messages"
                    + " WHERE id = 'm1'"))
        #expect(
            row.rows == [
                [
                    "sms", "13800138000", "queued", #"{"code":"1234"}"#, "hello m1", "1", String(Self.start),
                    String(Self.start),
                ]
            ])
        #expect(try fixture.count("SELECT count(*) FROM dedup WHERE message_id = 'm1'") == 1)
    }

    @Test func aRepeatedKeyIsADuplicateOfTheFirstInABatchAndAcrossBatchesUntilTheWindowEnds() throws {
        let fixture = try Fixture()
        let first = fixture.accept([Self.request("m1", key: "k"), Self.request("m2", key: "k")])
        #expect(first.map(\.text) == ["queued m1", "duplicate m1"])
        let later = fixture.accept([Self.request("m3", key: "k")], now: Self.start + 1000)
        #expect(later.map(\.text) == ["duplicate m1"])
        let afterWindow = fixture.accept([Self.request("m4", key: "k")], now: Self.start + Self.day + 1)
        #expect(afterWindow.map(\.text) == ["queued m4"])
        #expect(try fixture.count("SELECT count(*) FROM messages") == 2)
    }

    /// Transactional sends take one round trip (the keys' claim and the insert are one statement); marketing under
    /// a cap takes two. Either way a key held before the batch makes its sends, repeats included, duplicates of the
    /// holder, and a duplicate leaves no row, no claim for the node and no tracked link.
    @Test(arguments: [MessageCategory.transactional, .marketing])
    func aHeldKeyMakesEverySendOfItADuplicateOfItsHolder(category: MessageCategory) throws {
        let fixture = try Fixture(Self.dailyCap(10))
        #expect(fixture.accept([Self.request("m1", key: "k", category: category)]).map(\.text) == ["queued m1"])
        var held = Self.request("m2", key: "k", category: category)
        held.links = [("tok2", "https://bank.example/2")]
        var fresh = Self.request("m4", key: "other", category: category)
        fresh.links = [("tok4", "https://bank.example/4")]
        let accepted = fixture.intake.accept(
            [held, Self.request("m3", key: "k", category: category), fresh, Self.request("m5", category: category)],
            now: Self.start + 1000, policy: fixture.policy, claimFor: "node-a", on: fixture.connection)
        #expect(accepted.results.map(\.text) == ["duplicate m1", "duplicate m1", "queued m4", "queued m5"])
        #expect(accepted.claimed.map(\.message.id) == ["m4", "m5"])
        #expect(Set(accepted.claimed.map(\.sequence)).count == 2)
        #expect(try fixture.count("SELECT count(*) FROM messages") == 3)
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE claimed_by = 'node-a'") == 2)
        #expect(
            try fixture.connection.query(PostgresStatement("SELECT token FROM tracked_links ORDER BY token")).rows == [
                ["tok4"]
            ])
        #expect(try fixture.count("SELECT count(*) FROM dedup WHERE message_id = 'm1'") == 1)
        // m1, m4 and m5 are counted against the marketing cap; transactional sends are not capped.
        #expect(try fixture.count("SELECT count(*) FROM cap_events") == (category == .marketing ? 3 : 0))
    }

    @Test func aStoreKeySealsFieldsAndHashesKeys() throws {
        let fixture = try Fixture(key: Array(repeating: 7, count: 32))
        #expect(fixture.accept([Self.request("m1", key: "k1")]).map(\.text) == ["queued m1"])
        let row = try fixture.connection.query(
            PostgresStatement("SELECT recipient, content, dedup_key FROM messages WHERE id = 'm1'"))
        #expect(row.rows.first?.allSatisfy { $0?.hasPrefix("enc1:") == true } == true, "\(row.rows)")
        #expect(try fixture.count("SELECT count(*) FROM dedup WHERE key = 'k1'") == 0)
        #expect(fixture.accept([Self.request("m2", key: "k1")]).map(\.text) == ["duplicate m1"])
    }

    @Test func capsCountTheBatchAndEarlierBatches() throws {
        let fixture = try Fixture(Self.dailyCap(2))
        let results = fixture.accept((1...3).map { Self.request("m\($0)", category: .marketing) })
        #expect(results.map(\.text) == ["queued m1", "queued m2", "suppressed m3 frequency_cap daily"])
        // Another customer has caps of their own; critical passes untouched.
        let other = fixture.accept([
            Self.request("m4", category: .marketing, customer: "C2", to: "13900139000"),
            Self.request("m5", category: .critical),
        ])
        #expect(other.map(\.text) == ["queued m4", "queued m5"])
        let deferred = fixture.accept([Self.request("m6", category: .marketing, onCap: .defer)], now: Self.start + 10)
        #expect(deferred.map(\.text) == ["deferred m6 until \(Self.start + Self.day)"])
        #expect(try fixture.count("SELECT count(*) FROM cap_events") == 4)
        #expect(try fixture.count("SELECT count(*) FROM messages WHERE state = 'suppressed'") == 1)
    }

    @Test func aStandingOptOutSuppressesMarketingOnly() throws {
        let fixture = try Fixture()
        let subject = FieldCipher(key: nil).dedupKey(PolicySubject.customer("C1"))
        _ = try fixture.connection.query(
            PostgresStatement(
                "INSERT INTO consent_state (subject, channel, opted_out, log_seq) VALUES ($1, 'sms', 1, 1)", [subject]))
        let results = fixture.accept([Self.request("m1", category: .marketing), Self.request("m2")])
        #expect(results.map(\.text) == ["suppressed m1 opted_out", "queued m2"])
    }

    @Test func quietHoursDeferToTheOpening() throws {
        var policy = PolicyConfiguration()
        policy.quietHours = [
            QuietHoursRule(categories: [.marketing], channelTypes: ["sms"], allowedFrom: 8 * 60, allowedUntil: 9 * 60)
        ]
        let fixture = try Fixture(policy)
        let results = fixture.accept([Self.request("m1", category: .marketing)])
        let opening = Self.start - 10 * 3_600_000 + Self.day + 8 * 3_600_000
        #expect(results.map(\.text) == ["deferred m1 until \(opening)"])
        #expect(try fixture.count("SELECT next_attempt_at FROM messages WHERE id = 'm1'") == Int(opening))
    }

    /// Runs `body` on four threads at once, each with a connection of its own (as four nodes would); every result.
    static func onFourConnections(
        _ fixture: Fixture,
        _ body: @Sendable (_ node: Int, _ accept: ([AcceptRequest]) -> [AcceptResult]) -> [AcceptResult]
    ) throws -> [AcceptResult] {
        let (url, intake, policy) = (fixture.url, fixture.intake, fixture.policy)
        let results = Mutex<[AcceptResult]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { node in
            do {
                let connection = try PostgresConnection(url)
                let mine = body(node) { intake.accept($0, now: Self.start, policy: policy, on: connection) }
                results.withLock { $0 += mine }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        try #require(failures.withLock { $0 }.isEmpty)
        return results.withLock { $0 }
    }

    /// The issue's cap race, at the store: four connections (as four nodes) accept sends for one customer at once.
    @Test func aCapIsExactAcrossConnectionsAcceptingAtOnce() throws {
        let fixture = try Fixture(Self.dailyCap(3))
        let results = try Self.onFourConnections(fixture) { node, accept in
            (0..<5).flatMap { batch in
                accept((0..<4).map { Self.request("n\(node)-b\(batch)-\($0)", category: .marketing) })
            }
        }
        #expect(results.count == 80)
        #expect(results.count { if case .queued = $0 { true } else { false } } == 3)
        #expect(results.count { $0.text.contains("frequency_cap") } == 77)
        #expect(try fixture.count("SELECT count(*) FROM cap_events") == 3)
    }

    @Test func aDedupKeyIsExactAcrossConnectionsAcceptingAtOnce() throws {
        let fixture = try Fixture()
        let results = try Self.onFourConnections(fixture) { node, accept in
            accept((0..<50).map { Self.request("n\(node)-\($0)", key: "shared-\($0)") })
        }
        // Each of the 50 keys was stored once; every other claim names the one stored.
        #expect(results.count { if case .queued = $0 { true } else { false } } == 50)
        #expect(results.count { if case .duplicate = $0 { true } else { false } } == 150)
        #expect(try fixture.count("SELECT count(*) FROM messages") == 50)
    }

    @Test func aFailedBatchLeavesNothingAndItsKeysFree() throws {
        let fixture = try Fixture()
        #expect(fixture.accept([Self.request("m1")]).map(\.text) == ["queued m1"])
        // The same message id again violates messages.id: the whole batch fails, its dedup claim with it.
        let failed = fixture.accept([Self.request("m2", key: "k2"), Self.request("m1", key: "k1")])
        #expect(failed.allSatisfy { if case .failed = $0 { true } else { false } })
        #expect(try fixture.count("SELECT count(*) FROM dedup") == 0)
        #expect(fixture.accept([Self.request("m3", key: "k2")]).map(\.text) == ["queued m3"])
    }
}

extension AcceptResult {
    /// `queued m1`, `deferred m1 until T`, `suppressed m1 REASON [CAP]`, `duplicate m1`, `failed …`.
    fileprivate var text: String {
        switch self {
        case .queued(let id): "queued \(id)"
        case .deferred(let id, let until): "deferred \(id) until \(until)"
        case .suppressed(let id, let reason, let cap):
            "suppressed \(id) \(reason.rawValue)" + (cap.map { " " + $0 } ?? "")
        case .duplicate(let id): "duplicate \(id)"
        case .failed(let error): "failed \(error)"
        }
    }
}
