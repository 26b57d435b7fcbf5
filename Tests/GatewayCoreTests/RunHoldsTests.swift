import ChannelKit
import Foundation
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayStore

/// The late exit guard (design §5): a strategy message the dispatcher already paged in, or rescheduled after a
/// retry, does not start once its run was exited or its customer opted out.
@Suite(.serialized)
struct RunHoldsTests {
    typealias Harness = DispatcherTurnTests.Harness

    /// Queues a message for channel `a` to `recipient`, of strategy run `runID` if given.
    static func accept(_ harness: Harness, _ id: String, to recipient: String, runID: Int64?) {
        let done = DispatchSemaphore(value: 0)
        var request = AcceptRequest(
            message: OutboundMessage(id: id, channel: "a", recipient: recipient), channelType: "test",
            dedupKey: "k:\(id)", clientDedupKey: nil, notAfter: nil)
        request.runID = runID
        request.runVisit = runID.map { _ in 1 }
        _ = harness.store.accept([request]) { _ in done.signal() }
        done.wait()
    }

    static func recipients(_ harness: Harness) -> [String] {
        harness.transport.requests.map { String(decoding: $0.body, as: UTF8.self) }
    }

    @Test func aHeldRunsPagedMessageIsNotStartedAndOthersAre() throws {
        let harness = try Harness(statuses: [503, 200, 200])
        harness.store.onCommit { [dispatcher = harness.dispatcher] counts in dispatcher.messagesCommitted(counts) }
        Self.accept(harness, "m1", to: "111", runID: 7)
        Self.accept(harness, "m2", to: "222", runID: 8)
        Self.accept(harness, "m3", to: "333", runID: nil)
        // The commit notice follows the answers: a barrier's turn comes after it.
        let noticed = DispatchSemaphore(value: 0)
        harness.store.barrier { noticed.signal() }
        noticed.wait()
        #expect(harness.counters.queued == 3)
        harness.dispatcher.runsHeld(HeldRuns(runIDs: [8]))

        // Turn 1 pages all three: run 8's message is dropped, the others start (m1's vendor answers 503).
        _ = harness.dispatcher.turn()
        #expect(Self.recipients(harness) == ["111", "333"])
        #expect(harness.counters.queued == 2)

        // Run 7 exits while m1 waits for its retry in memory: it is not sent again.
        harness.dispatcher.runsHeld(HeldRuns(runIDs: [7]))
        _ = harness.dispatcher.turn()
        #expect(harness.counters.retried == 1)
        harness.clock.advance(milliseconds: 3_000)
        _ = harness.dispatcher.turn()
        _ = harness.dispatcher.turn()
        #expect(Self.recipients(harness) == ["111", "333"])
        #expect(harness.counters.queued == 0)
        #expect(harness.counters.sent == 1)
    }

    @Test func messagesCancelledWithTheirRunsLeaveTheQueuedCountPagedInOrNot() throws {
        let harness = try Harness(statuses: [200])
        harness.store.onCommit { [dispatcher = harness.dispatcher] counts in dispatcher.messagesCommitted(counts) }
        Self.accept(harness, "m1", to: "111", runID: 7)
        Self.accept(harness, "m2", to: "222", runID: 8)
        Self.accept(harness, "m3", to: "333", runID: 9)
        let noticed = DispatchSemaphore(value: 0)
        harness.store.barrier { noticed.signal() }
        noticed.wait()
        #expect(harness.counters.queued == 3)
        // Runs 8 and 9 exit before anything is paged in: the store cancels their rows (as `withdrawMessages`
        // does) and names the messages. Neither is ever read again, so only the notice can uncount them.
        let sequences = try Self.sequences(harness, ["m2", "m3"])
        harness.dispatcher.runsHeld(
            HeldRuns(
                runIDs: [8, 9], messages: sequences.map { HeldRuns.Message(sequence: $0, channel: "a") }))
        _ = harness.dispatcher.turn()
        #expect(Self.recipients(harness) == ["111"])
        _ = harness.dispatcher.turn()
        #expect(harness.counters.queued == 0)
        #expect(harness.counters.sent == 1)
    }

    /// Marks `ids` cancelled in the store, as an exit's commit does, and returns their sequences.
    static func sequences(_ harness: Harness, _ ids: [String]) throws -> [Int64] {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<[Int64], StoreError>>(.success([]))
        harness.store.perform(
            { writer, _, _ throws(StoreError) in
                var sequences: [Int64] = []
                for id in ids {
                    let select = try writer.database.prepare("SELECT seq FROM messages WHERE id = ?1")
                    select.bind(1, id)
                    if try select.step(), let sequence = select.int64(0) { sequences.append(sequence) }
                    select.reset()
                    try writer.database.execute("UPDATE messages SET state = 'cancelled' WHERE id = '\(id)'")
                }
                return sequences
            },
            completion: { outcome in
                result.withLock { $0 = outcome }
                done.signal()
            })
        done.wait()
        return try result.withLock { $0 }.get()
    }

    @Test func holdsExpireAndStayBounded() {
        var holds = RunHolds(keep: 600_000, capacity: 2)
        holds.hold([1], now: 0)
        #expect(holds.contains(1, now: 599_999))
        #expect(!holds.contains(1, now: 600_000))
        #expect(!holds.contains(2, now: 0))
        // Held again later: the later expiry counts.
        holds.hold([1], now: 300_000)
        holds.expire(now: 600_000)
        #expect(holds.contains(1, now: 600_000) && holds.count == 1)
        holds.expire(now: 900_000)
        #expect(holds.isEmpty)
        // Past capacity the oldest go first.
        holds.hold([10, 11, 12], now: 1_000_000)
        #expect(holds.count == 2 && !holds.contains(10, now: 1_000_000) && holds.contains(12, now: 1_000_000))
    }
}
