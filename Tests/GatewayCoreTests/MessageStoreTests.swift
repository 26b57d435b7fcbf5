import ChannelKit
import ControlProtocol
import Foundation
import GatewayCore
import Logging
import Synchronization
import Testing

@testable import GatewayStore

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

    /// One accept batch: the writer claims each key in order, so a repeat inside the batch is a duplicate too.
    static func acceptAll(
        _ store: SQLiteMessageStore, _ sends: [(id: String, key: String)], recipients: [String]? = nil,
        content: String? = nil
    ) -> [AcceptResult] {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<[AcceptResult]>([])
        let requests = sends.enumerated().map { index, send in
            AcceptRequest(
                message: OutboundMessage(
                    id: send.id, channel: "sms", recipient: recipients?[index] ?? "13800138000", template: "T",
                    content: content.map { $0 + send.id }),
                channelType: "sms", dedupKey: send.key, clientDedupKey: nil, notAfter: nil)
        }
        guard
            store.accept(
                requests,
                completion: { results in
                    result.withLock { $0 = results }
                    done.signal()
                })
        else { return [] }
        done.wait()
        return result.withLock { $0 }
    }

    @Test func aRepeatInsideOneBatchIsADuplicateOfTheFirst() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let (store, directory) = try Self.makeStore(window: .seconds(3600), clock: clock)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let results = Self.acceptAll(store, [("m1", "k:a"), ("m2", "k:a"), ("m3", "k:b"), ("m4", "k:a")])
        #expect(results.map(\.summary) == ["queued m1", "duplicate m1", "queued m3", "duplicate m1"])
        #expect(try store.queuedCounts() == ["sms": 2])
        store.close()
    }

    /// The writer binds a message's text from one reused buffer: every field must come back as given, for each
    /// message of a batch (a later message's shorter or longer text must not show through an earlier one's).
    @Test func everyFieldOfABatchIsStoredAsGiven() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let (store, directory) = try Self.makeStore(window: .seconds(3600), clock: clock)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let recipients = ["13800138000", "1", String(repeating: "9", count: 70_000), "+8613912345678"]
        let results = Self.acceptAll(store, recipients.indices.map { ("m\($0)", "k:\($0)") }, recipients: recipients)
        #expect(results.map(\.summary) == recipients.indices.map { "queued m\($0)" })
        for (index, recipient) in recipients.enumerated() {
            let done = DispatchSemaphore(value: 0)
            let found = Mutex<MessageStatus?>(nil)
            store.status(of: "m\(index)") { status in
                found.withLock { $0 = status }
                done.signal()
            }
            done.wait()
            let status = found.withLock { $0 }
            #expect(status?.recipient == recipient)
            #expect(status?.channel == "sms")
            #expect(status?.category == "transactional")
        }
        store.close()
    }

    /// A send that could not be stored (here: its id is taken) leaves its key free, so a retry is accepted.
    @Test func aFailedAcceptDoesNotHoldItsKey() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let (store, directory) = try Self.makeStore(window: .seconds(3600), clock: clock)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let results = Self.acceptAll(store, [("m1", "k:a"), ("m1", "k:b")])
        #expect(results.map(\.summary) == ["queued m1", "failed"])
        guard case .queued("m2")? = Self.accept(store, id: "m2", key: "k:b") else {
            Issue.record("the failed send's key was kept")
            return
        }
        guard case .duplicate("m1")? = Self.accept(store, id: "m3", key: "k:a") else {
            Issue.record("the stored send's key was lost")
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

    /// A store with a retention of one hour on a clock the test moves.
    static func storeKeepingAnHour(_ directory: String, _ clock: ManualWallClock) throws -> SQLiteMessageStore {
        try SQLiteMessageStore(
            directory: directory, dedupWindow: .seconds(60), retention: .seconds(3600), maxPendingAccepts: 100,
            clock: clock, logger: Logger(label: "test"))
    }

    @Test func finishedMessagesOlderThanRetentionArePrunedQueuedOnesNever() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let directory = NSTemporaryDirectory() + "cg-store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Self.storeKeepingAnHour(directory, clock)
        _ = MessageStoreTests.accept(store, id: "done", key: "k:1")
        _ = MessageStoreTests.accept(store, id: "waiting", key: "k:2")
        let sent = AttemptRecord(
            sequence: 1, channel: "sms", attempt: 1, startedAt: clock.nowMilliseconds,
            finishedAt: clock.nowMilliseconds, outcome: .sent, state: .sent, vendorMessageID: "v-done"
        )
        store.record([sent])
        #expect(Self.status(store, "done")?.state == .sent)
        #expect(Self.status(store, "done")?.history.count == 1)
        // Its delivery receipt, and one for a message never sent, which waits unmatched.
        let tally = Mutex<ReceiptTally?>(nil)
        let kept = DispatchSemaphore(value: 0)
        store.recordReceipts(
            channel: "sms",
            [
                Receipt(vendorMessageID: "v-done", event: .delivered),
                Receipt(vendorMessageID: "v-none", event: .delivered),
            ]
        ) { result in
            tally.withLock { $0 = try? result.get() }
            kept.signal()
        }
        kept.wait()
        #expect(tally.withLock { $0?.matched } == 1)
        func rows(_ table: String) throws -> String? {
            let database = try SQLiteDatabase(path: directory + "/gateway.sqlite3", readOnly: true)
            let count = try database.prepare("SELECT count(*) FROM \(table)")
            defer { count.reset() }
            return try count.step() ? count.string(0) : nil
        }
        #expect(try rows("receipts") == "1")
        #expect(try rows("receipts_unmatched") == "1")
        clock.advance(milliseconds: 3_000_000)
        #expect(Self.status(store, "done") != nil, "inside retention")
        #expect(try rows("receipts") == "1")
        clock.advance(milliseconds: 700_000)
        #expect(Self.status(store, "done") == nil, "past retention")
        #expect(try rows("receipts") == "0", "its receipt goes with it")
        #expect(try rows("receipts_unmatched") == "0", "so does one that never met its message")
        #expect(Self.status(store, "waiting")?.state == .queued, "queued messages are never pruned")
        store.close()
    }

    /// Pruning walks messages in `seq` order and stops at the first one created inside retention; the next walk
    /// goes on from there.
    @Test func pruningWalksInOrderAndResumesWhereItStopped() throws {
        let clock = ManualWallClock(1_700_000_000_000)
        let directory = NSTemporaryDirectory() + "cg-store-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try Self.storeKeepingAnHour(directory, clock)
        defer { store.close() }
        for (index, id) in ["old-1", "old-queued", "old-2"].enumerated() {
            _ = MessageStoreTests.accept(store, id: id, key: "k:\(index)")
        }
        clock.advance(milliseconds: 1_000_000)
        _ = MessageStoreTests.accept(store, id: "young", key: "k:young")
        func sent(_ sequence: Int64) -> AttemptRecord {
            AttemptRecord(
                sequence: sequence, channel: "sms", attempt: 1, startedAt: clock.nowMilliseconds,
                finishedAt: clock.nowMilliseconds, outcome: .sent, state: .sent)
        }
        store.record([sent(1), sent(3), sent(4)])
        #expect(Self.status(store, "young")?.state == .sent)  // the records are in before the clock moves
        clock.advance(milliseconds: 2_700_000)  // the first three are past retention, "young" is not
        #expect(Self.status(store, "old-1") == nil)
        #expect(Self.status(store, "old-2") == nil)
        #expect(Self.status(store, "old-queued")?.state == .queued, "queued messages are never pruned")
        #expect(Self.status(store, "young")?.state == .sent, "inside retention")
        clock.advance(milliseconds: 1_000_000)
        #expect(Self.status(store, "young") == nil, "the next pass finds it")
        #expect(Self.status(store, "old-queued")?.state == .queued)
        // A message that was queued when passes went by goes once it has finished.
        store.record([sent(2)])
        #expect(Self.status(store, "old-queued")?.state == .sent)
        clock.advance(milliseconds: 61_000)
        #expect(Self.status(store, "old-queued") == nil)
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

extension AcceptResult {
    /// The outcome and id, for comparing a batch's answers at a glance.
    fileprivate var summary: String {
        switch self {
        case .queued(let id): "queued \(id)"
        case .duplicate(let id): "duplicate \(id)"
        case .failed: "failed"
        default: "other"
        }
    }
}
