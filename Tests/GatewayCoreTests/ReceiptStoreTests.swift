import ChannelKit
import ControlProtocol
import Foundation
import Logging
import Synchronization
import Testing

@testable import GatewayCore
@testable import GatewayStore

/// Receipts in the store: kept once, matched by our id or the vendor's, applied only forward, and matched late
/// when they beat their send's reply.
struct ReceiptStoreTests {
    final class Fixture {
        let clock = ManualWallClock(1_795_449_600_000)
        let directory: String
        let store: SQLiteMessageStore
        private var sequence: Int64 = 0

        /// A store in a new directory, or in `directory` as a test left it (`accepted` messages already in it).
        init(directory: String? = nil, accepted: Int64 = 0) throws {
            self.directory = directory ?? (NSTemporaryDirectory() + "cg-receipts-" + UUID().uuidString)
            sequence = accepted
            store = try SQLiteMessageStore(
                directory: self.directory, dedupWindow: .seconds(86_400), maxPendingAccepts: 1000, clock: clock,
                logger: Logger(label: "test"))
        }

        /// Accepts a message and returns its sequence (messages are numbered in acceptance order).
        func accept(_ id: String, to recipient: String) -> Int64 {
            let done = DispatchSemaphore(value: 0)
            let message = OutboundMessage(id: id, channel: "sms", recipient: recipient, content: "hi")
            _ = store.accept([
                AcceptRequest(
                    message: message, channelType: "sms", dedupKey: "k:" + id, clientDedupKey: nil, notAfter: nil)
            ]) { _ in done.signal() }
            done.wait()
            sequence += 1
            return sequence
        }

        func sent(_ sequence: Int64, vendorID: String, recipient: String) {
            let now = clock.nowMilliseconds
            store.record([
                AttemptRecord(
                    sequence: sequence, channel: "sms", attempt: 1, startedAt: now - 20, finishedAt: now,
                    outcome: .sent,
                    state: .sent, vendorMessageID: vendorID, recipient: recipient)
            ])
        }

        func receipts(_ receipts: [Receipt]) -> ReceiptTally? {
            let done = DispatchSemaphore(value: 0)
            let result = Mutex<ReceiptTally?>(nil)
            store.recordReceipts(channel: "sms", receipts) { tally in
                result.withLock { $0 = try? tally.get() }
                done.signal()
            }
            done.wait()
            return result.withLock { $0 }
        }

        func status(_ id: String) -> MessageStatus? {
            let done = DispatchSemaphore(value: 0)
            let result = Mutex<MessageStatus?>(nil)
            store.status(of: id) { status in
                result.withLock { $0 = status }
                done.signal()
            }
            done.wait()
            return result.withLock { $0 }
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test func aDeliveryReceiptMovesASentMessageForwardOnceAndNeverBack() throws {
        let fixture = try Fixture()
        let sequence = fixture.accept("m1", to: "13800138000")
        fixture.sent(sequence, vendorID: "biz-1", recipient: "13800138000")
        fixture.clock.advance(milliseconds: 4_000)
        let delivered = Receipt(
            vendorMessageID: "biz-1", recipient: "13800138000", event: .delivered, vendorStatus: "DELIVERED")
        #expect(fixture.receipts([delivered]) == ReceiptTally.with(matched: 1, kept: [.delivered: 1]))
        #expect(fixture.status("m1")?.state == .delivered)
        // The vendor pushes the same report again: nothing changes, it is counted as a duplicate.
        #expect(fixture.receipts([delivered]) == ReceiptTally.with(duplicates: 1))
        // A late failure report cannot move a delivered message back.
        let failed = Receipt(
            vendorMessageID: "biz-1", event: .failed(Reason(.invalidRecipient)), vendorStatus: "MK:0001")
        #expect(fixture.receipts([failed]) == ReceiptTally.with(matched: 1, kept: [.failed: 1]))
        let status = try #require(fixture.status("m1"))
        #expect(status.state == .delivered)
        #expect(status.receipts.map(\.event) == [.delivered, .failed])
        #expect(fixture.store.receiptLatency.snapshot().count == 1)
        #expect(fixture.store.receiptLatency.snapshot().sumSeconds == 4.0)
    }

    @Test func aReceiptThatBeatsTheSendReplyWaitsAndIsMatchedWhenTheReplyIsRecorded() throws {
        let fixture = try Fixture()
        let sequence = fixture.accept("m1", to: "13800138000")
        let early = Receipt(
            vendorMessageID: "biz-9", event: .failed(Reason(.invalidRecipient)), vendorStatus: "UNDELIV")
        #expect(fixture.receipts([early]) == ReceiptTally.with(unmatched: 1, kept: [.failed: 1]))
        #expect(fixture.status("m1")?.state == .queued)
        fixture.sent(sequence, vendorID: "biz-9", recipient: "13800138000")
        let status = try #require(fixture.status("m1"))
        #expect(status.state == .failed)
        #expect(status.reason == "invalid_recipient")
        #expect(status.receipts.map(\.vendorStatus) == ["UNDELIV"])
    }

    @Test func ourOwnIdMatchesEvenBeforeTheSendReplyAndTheReplyDoesNotUndoIt() throws {
        let fixture = try Fixture()
        let sequence = fixture.accept("m1", to: "13800138000")
        #expect(
            fixture.receipts([Receipt(vendorMessageID: nil, messageID: "m1", event: .delivered)])
                == ReceiptTally.with(matched: 1, kept: [.delivered: 1]))
        fixture.sent(sequence, vendorID: "biz-2", recipient: "13800138000")
        #expect(fixture.status("m1")?.state == .delivered)
    }

    /// The sent → delivered latency is taken from the message's state as the match read it, on each way a receipt
    /// finds its message (our id, the vendor's id, a batch read before), and only when the message was `sent`.
    @Test func deliveryLatencyIsObservedOnlyForMessagesThatWereSentWhicheverWayTheyAreMatched() throws {
        let fixture = try Fixture()
        let byOurID = fixture.accept("m1", to: "13800000001")
        let byVendorID = fixture.accept("m2", to: "13800000002")
        let batch = [fixture.accept("m3", to: "13800000003"), fixture.accept("m4", to: "13800000004")]
        _ = fixture.accept("m5", to: "13800000005")  // never sent: still queued when its receipt comes
        fixture.sent(byOurID, vendorID: "biz-1", recipient: "13800000001")
        fixture.sent(byVendorID, vendorID: "biz-2", recipient: "13800000002")
        fixture.sent(batch[0], vendorID: "batch-3", recipient: "13800000003")
        fixture.sent(batch[1], vendorID: "batch-3", recipient: "13800000004")
        fixture.clock.advance(milliseconds: 2_000)
        let receipts = [
            Receipt(vendorMessageID: nil, messageID: "m1", event: .delivered),
            Receipt(vendorMessageID: "biz-2", recipient: "13800000002", event: .delivered),
            Receipt(vendorMessageID: "batch-3", recipient: "13800000003", event: .delivered),  // reads the batch
            Receipt(vendorMessageID: "batch-3", recipient: "13800000004", event: .delivered),  // from what was read
            Receipt(vendorMessageID: nil, messageID: "m5", event: .delivered),
        ]
        #expect(fixture.receipts(receipts) == ReceiptTally.with(matched: 5, kept: [.delivered: 5]))
        for id in ["m1", "m2", "m3", "m4", "m5"] { #expect(fixture.status(id)?.state == .delivered) }
        let latency = fixture.store.receiptLatency.snapshot()
        #expect(latency.count == 4)
        #expect(latency.sumSeconds == 8.0)
    }

    @Test func aBatchSharingOneVendorIdIsToldApartByRecipient() throws {
        let fixture = try Fixture()
        let first = fixture.accept("m1", to: "+8613800000001")
        let second = fixture.accept("m2", to: "+8613800000002")
        fixture.sent(first, vendorID: "batch-1", recipient: "+8613800000001")
        fixture.sent(second, vendorID: "batch-1", recipient: "+8613800000002")
        let receipt = Receipt(vendorMessageID: "batch-1", recipient: "13800000002", event: .delivered)
        #expect(fixture.receipts([receipt]) == ReceiptTally.with(matched: 1, kept: [.delivered: 1]))
        #expect(fixture.status("m1")?.state == .sent)
        #expect(fixture.status("m2")?.state == .delivered)
        // Without a recipient the receipt cannot be placed: kept, not guessed.
        #expect(
            fixture.receipts([Receipt(vendorMessageID: "batch-1", event: .delivered, vendorStatus: "x")])
                == ReceiptTally.with(unmatched: 1, kept: [.delivered: 1]))
    }

    @Test func aBatchIsReadOnceThenItsOtherReceiptsAreMatchedFromWhatWasRead() throws {
        let fixture = try Fixture()
        var sequences: [Int64] = []
        for index in 1...4 {
            let number = "+861380000000\(index)"
            sequences.append(fixture.accept("m\(index)", to: number))
            fixture.sent(sequences[index - 1], vendorID: "batch-7", recipient: number)
        }
        // The same number twice in one batch cannot be told apart, however often the batch is matched.
        let twice = fixture.accept("m5", to: "+8613800000004")
        fixture.sent(twice, vendorID: "batch-7", recipient: "+8613800000004")
        for index in [2, 1, 3] {
            let receipt = Receipt(vendorMessageID: "batch-7", recipient: "1380000000\(index)", event: .delivered)
            #expect(fixture.receipts([receipt]) == ReceiptTally.with(matched: 1, kept: [.delivered: 1]))
            #expect(fixture.status("m\(index)")?.state == .delivered)
        }
        let ambiguous = Receipt(vendorMessageID: "batch-7", recipient: "13800000004", event: .delivered)
        #expect(fixture.receipts([ambiguous]) == ReceiptTally.with(unmatched: 1, kept: [.delivered: 1]))
        #expect(fixture.status("m4")?.state == .sent)
        // A number that is not in the batch stays unmatched.
        let stranger = Receipt(vendorMessageID: "batch-7", recipient: "13900000000", event: .delivered)
        #expect(fixture.receipts([stranger]) == ReceiptTally.with(unmatched: 1, kept: [.delivered: 1]))
    }

    /// A repeat changes and counts nothing wherever the first copy is kept: under its message, waiting for it, or
    /// moved under it when the send's reply came; one row each.
    @Test func aRepeatedReceiptIsKeptOnceWhereverTheFirstCopyIs() throws {
        let fixture = try Fixture()
        let first = fixture.accept("m1", to: "13800138000")
        fixture.sent(first, vendorID: "biz-1", recipient: "13800138000")
        let delivered = Receipt(
            vendorMessageID: "biz-1", recipient: "13800138000", event: .delivered,
            occurredAtMilliseconds: 1_795_449_601_000, vendorStatus: "DELIVERED")
        #expect(
            fixture.receipts([delivered, delivered])
                == ReceiptTally.with(matched: 1, duplicates: 1, kept: [.delivered: 1]))
        #expect(fixture.receipts([delivered]) == ReceiptTally.with(duplicates: 1))
        // The same report at another time is another receipt.
        let later = Receipt(
            vendorMessageID: "biz-1", recipient: "13800138000", event: .delivered,
            occurredAtMilliseconds: 1_795_449_602_000, vendorStatus: "DELIVERED")
        #expect(fixture.receipts([later]) == ReceiptTally.with(matched: 1, kept: [.delivered: 1]))

        // Before the send's reply: waiting, repeated while it waits, then moved under the message and repeated.
        let second = fixture.accept("m2", to: "13800138001")
        let failed = Receipt(
            vendorMessageID: "biz-2", event: .failed(Reason(.invalidRecipient)), vendorStatus: "UNDELIV")
        #expect(fixture.receipts([failed]) == ReceiptTally.with(unmatched: 1, kept: [.failed: 1]))
        #expect(fixture.receipts([failed]) == ReceiptTally.with(duplicates: 1))
        fixture.sent(second, vendorID: "biz-2", recipient: "13800138001")
        #expect(fixture.status("m2")?.state == .failed)
        #expect(fixture.receipts([failed]) == ReceiptTally.with(duplicates: 1))

        // Kept while its message was unknown, found by our id on the repeat: still the same receipt.
        let early = Receipt(vendorMessageID: "biz-3", messageID: "m3", event: .delivered)
        #expect(fixture.receipts([early]) == ReceiptTally.with(unmatched: 1, kept: [.delivered: 1]))
        _ = fixture.accept("m3", to: "13800138002")
        #expect(fixture.receipts([early]) == ReceiptTally.with(duplicates: 1))
        #expect(fixture.status("m3")?.state == .queued, "a repeat changes nothing")

        #expect(fixture.status("m1")?.receipts.map(\.occurredAt) == [1_795_449_601_000, 1_795_449_602_000])
        #expect(fixture.status("m2")?.receipts.map(\.vendorStatus) == ["UNDELIV"])
        let database = try SQLiteDatabase(path: fixture.directory + "/gateway.sqlite3")
        let count = try database.prepare(
            "SELECT (SELECT COUNT(*) FROM receipts) || ' ' || (SELECT COUNT(*) FROM receipts_unmatched)")
        #expect(try count.step())
        #expect(count.string(0) == "3 1", "m1's two and m2's one under their messages; m3's early copy waits")
        count.reset()
    }

    @Test func callResultsAreStates() throws {
        let fixture = try Fixture()
        let answered = fixture.accept("c1", to: "13900000001")
        let refused = fixture.accept("c2", to: "13900000002")
        fixture.sent(answered, vendorID: "call-1", recipient: "13900000001")
        fixture.sent(refused, vendorID: "call-2", recipient: "13900000002")
        let busy = fixture.accept("c3", to: "13900000003")
        let invalid = fixture.accept("c4", to: "13900000004")
        fixture.sent(busy, vendorID: "call-3", recipient: "13900000003")
        fixture.sent(invalid, vendorID: "call-4", recipient: "13900000004")
        _ = fixture.receipts([
            Receipt(vendorMessageID: "call-1", event: .answered), Receipt(vendorMessageID: "call-2", event: .refused),
            Receipt(vendorMessageID: "call-3", event: .busy), Receipt(vendorMessageID: "call-4", event: .invalidNumber),
        ])
        #expect(fixture.status("c1")?.state == .answered)
        #expect(fixture.status("c2")?.state == .refused)
        #expect(fixture.status("c3")?.state == .busy)
        #expect(fixture.status("c4")?.state == .invalidNumber)
        #expect(fixture.status("c4")?.reason == "invalid_recipient")
    }

    /// The tally counts receipts under the name the writer stores them with.
    @Test func theTimelineNameOfAReceiptIsItsStoredName() {
        let events: [Receipt.Event] = [
            .delivered, .failed(Reason(.unknown)), .opened, .clicked, .answered, .unanswered, .refused, .busy,
            .invalidNumber,
        ]
        for event in events {
            #expect(TimelineEvent(event).rawValue == StoreWriter.state(of: event).rawValue)
        }
    }
}

extension ReceiptTally {
    static func with(matched: Int = 0, unmatched: Int = 0, duplicates: Int = 0, kept: [TimelineEvent: Int] = [:])
        -> ReceiptTally
    {
        ReceiptTally(matched: matched, unmatched: unmatched, duplicates: duplicates, keptByEvent: kept)
    }
}
