import ChannelKit
import ControlProtocol
import Foundation
import GatewayCore
import Logging
import Synchronization
import Testing

/// A wall clock the test moves by hand.
final class ManualWallClock: WallClock, Sendable {
    private let now: Atomic<Int64>
    init(_ start: Int64) { now = Atomic(start) }
    var nowMilliseconds: Int64 { now.load(ordering: .relaxed) }
    func advance(milliseconds: Int64) { now.add(milliseconds, ordering: .relaxed) }
}

struct MessageStoreTests {
    static func makeStore(window: Duration, clock: ManualWallClock) throws -> (SQLiteMessageStore, String) {
        let directory = NSTemporaryDirectory() + "cg-store-" + UUID().uuidString
        let store = try SQLiteMessageStore(
            directory: directory, dedupWindow: window, maxPendingAccepts: 1000, clock: clock,
            logger: Logger(label: "test")
        )
        return (store, directory)
    }

    static func accept(_ store: SQLiteMessageStore, id: String, key: String) -> AcceptResult? {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<AcceptResult?>(nil)
        let message = OutboundMessage(id: id, channel: "sms", recipient: "13800138000", template: "T")
        let queued = store.accept([
            AcceptRequest(message: message, channelType: "sms", dedupKey: key, clientDedupKey: nil, notAfter: nil)
        ]) {
            results in
            result.withLock { $0 = results.first }
            done.signal()
        }
        guard queued else { return nil }
        done.wait()
        return result.withLock { $0 }
    }

    @Test func aKeyIsADuplicateInsideTheWindowAndFreshAfterIt() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let (store, directory) = try Self.makeStore(window: .seconds(3600), clock: clock)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        guard case .queued("m1")? = Self.accept(store, id: "m1", key: "k:order-1") else {
            Issue.record("first send not queued")
            return
        }
        clock.advance(milliseconds: 3_599_000)
        guard case .duplicate("m1")? = Self.accept(store, id: "m2", key: "k:order-1") else {
            Issue.record("repeat inside the window was not a duplicate of m1")
            return
        }
        clock.advance(milliseconds: 2_000)
        guard case .queued("m3")? = Self.accept(store, id: "m3", key: "k:order-1") else {
            Issue.record("repeat after the window was not queued")
            return
        }
        store.close()
    }

    @Test func dedupSurvivesARestart() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let (store, directory) = try Self.makeStore(window: .seconds(86_400 * 7), clock: clock)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = Self.accept(store, id: "m1", key: "k:event-9")
        store.close()
        let reopened = try SQLiteMessageStore(
            directory: directory, dedupWindow: .seconds(86_400 * 7), maxPendingAccepts: 10, clock: clock,
            logger: Logger(label: "test")
        )
        guard case .duplicate("m1")? = Self.accept(reopened, id: "m2", key: "k:event-9") else {
            Issue.record("dedup key forgotten across restart")
            return
        }
        #expect(try reopened.queuedCounts() == ["sms": 1])
        reopened.close()
    }

    @Test func aFullIntakeQueueRefusesInsteadOfGrowing() throws {
        let clock = ManualWallClock(0)
        let directory = NSTemporaryDirectory() + "cg-store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteMessageStore(
            directory: directory, dedupWindow: .seconds(60), maxPendingAccepts: 2, clock: clock,
            logger: Logger(label: "test")
        )
        let messages = (0..<3).map {
            AcceptRequest(
                message: OutboundMessage(id: "m\($0)", channel: "c", recipient: "r", content: "x"),
                channelType: "loopback", dedupKey: "k:\($0)", clientDedupKey: nil, notAfter: nil
            )
        }
        let accepted = store.accept(messages, completion: { _ in })
        #expect(!accepted)
        store.close()
    }
}

struct MessageRetentionTests {
    static func status(_ store: SQLiteMessageStore, _ id: String) -> MessageStatus? {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<MessageStatus?>(nil)
        store.status(of: id) { status in
            result.withLock { $0 = status }
            done.signal()
        }
        done.wait()
        return result.withLock { $0 }
    }

    @Test func finishedMessagesOlderThanRetentionArePrunedQueuedOnesNever() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let directory = NSTemporaryDirectory() + "cg-store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteMessageStore(
            directory: directory, dedupWindow: .seconds(60), retention: .seconds(3600), maxPendingAccepts: 100,
            clock: clock, logger: Logger(label: "test")
        )
        _ = MessageStoreTests.accept(store, id: "done", key: "k:1")
        _ = MessageStoreTests.accept(store, id: "waiting", key: "k:2")
        let sent = AttemptRecord(
            sequence: 1, channel: "sms", attempt: 1, startedAt: clock.nowMilliseconds,
            finishedAt: clock.nowMilliseconds, outcome: .sent, state: .sent
        )
        store.record([sent])
        #expect(Self.status(store, "done")?.state == .sent)
        #expect(Self.status(store, "done")?.history.count == 1)
        clock.advance(milliseconds: 3_000_000)
        #expect(Self.status(store, "done") != nil, "inside retention")
        clock.advance(milliseconds: 700_000)
        #expect(Self.status(store, "done") == nil, "past retention")
        #expect(Self.status(store, "waiting")?.state == .queued, "queued messages are never pruned")
        store.close()
    }
}

/// Priority lanes as the store assigns them and as a commit counts them for the dispatcher.
struct LaneCountTests {
    @Test func aCategoryWaitsInItsLane() {
        // The same mapping as the schema's version 2 migration (`CASE category WHEN 'critical' THEN 0 …`).
        #expect(PriorityLane(.critical) == .critical && PriorityLane.critical.rawValue == 0)
        #expect(PriorityLane(.transactional) == .transactional && PriorityLane.transactional.rawValue == 1)
        #expect(PriorityLane(.marketing) == .marketing && PriorityLane.marketing.rawValue == 2)
        #expect(PriorityLane(clamping: -3) == .critical && PriorityLane(clamping: 9) == .marketing)
        #expect(PriorityLane.allCases.sorted() == [.critical, .transactional, .marketing])
    }

    @Test func countsAddLaneByLane() {
        var counts = LaneCounts.zero
        counts[.marketing] += 2
        counts[.critical] += 1
        var more = LaneCounts(repeating: 1)
        more += counts
        #expect(more[.critical] == 2 && more[.transactional] == 1 && more[.marketing] == 3)
        #expect(more.total == 6 && counts.total == 3)
    }
}
