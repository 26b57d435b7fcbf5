import ChannelKit
import ControlProtocol
import Foundation
import GatewayConfig
import GatewayPostgres
import GatewayStore
import Logging
import PostgresTesting
import Synchronization
import Testing

/// Receipts, clicks, events and receipt polling through a real ``PostgresMessageStore``, with the SQLite store's
/// expectations (GatewayCoreTests/ReceiptStoreTests): kept once, matched by our id or the vendor's, applied only
/// forward, matched late when they beat their send's reply.
@Suite struct PostgresReceiptTests {
    /// A wall clock the test moves.
    final class Clock: WallClock {
        private let now = Mutex<Int64>(PostgresIntakeTests.start)
        var nowMilliseconds: Int64 { now.withLock { $0 } }
        func advance(milliseconds: Int64) { now.withLock { $0 += milliseconds } }
    }

    /// Lines a subscriber received.
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
    }

    /// A store on a database of its own (the store holds a per-database lock), closed when the test ends, and a
    /// connection of the test's own to look at the rows.
    final class Fixture {
        let clock = Clock()
        let store: PostgresMessageStore
        let connection: PostgresConnection
        /// Lines streamed to a subscriber, when `subscribed`.
        let lines = Lines()

        init(key: [UInt8]? = nil, subscribed: Bool = false) throws {
            let cluster = try PostgresCluster.shared
            let url = cluster.url(database: try cluster.createDatabase())
            store = try PostgresMessageStore(
                configuration: PostgresStoreConfiguration(url: Secret(url), nodeName: "t"),
                dedupWindow: .seconds(86_400), encryptionKey: key, maxPendingAccepts: 1000, clock: clock,
                logger: Logger(label: "test"))
            connection = try PostgresConnection(PostgresConnectionString(Secret(url)))
            if subscribed {
                store.feed.subscribe(ChangeFeed.Filter()) { [lines] new, _ in
                    lines.all.withLock { $0 += new }
                    return true
                }
            }
        }

        deinit { store.close() }

        /// Waits for an answer the store gives through a completion.
        func wait<Value: Sendable>(_ start: (@escaping @Sendable (Value) -> Void) -> Void) -> Value {
            let done = DispatchSemaphore(value: 0)
            let answer = Mutex<Value?>(nil)
            start { value in
                answer.withLock { $0 = value }
                done.signal()
            }
            done.wait()
            return answer.withLock { $0! }
        }

        /// Waits until everything queued so far is committed (and published to subscribers).
        func settle() {
            wait { done in store.barrier { done(()) } }
        }

        /// Accepts a message (with tracked links, if any) and returns its sequence.
        func accept(_ id: String, to recipient: String, links: [(token: String, url: String)] = []) throws -> Int64 {
            var request = AcceptRequest(
                message: OutboundMessage(id: id, channel: "sms", recipient: recipient, content: "hi"),
                channelType: "sms", dedupKey: "k:" + id, clientDedupKey: nil, notAfter: nil)
            request.links = links
            let results = wait { done in _ = store.accept([request]) { done($0) } }
            guard case .queued? = results.first else { throw Failure(description: "not queued: \(results)") }
            return try #require(Int64(try value("SELECT seq FROM messages WHERE id = $1", id) ?? ""))
        }

        /// Claims the message for the node, records it sent with the vendor's id now and waits for the commit.
        func sent(_ sequence: Int64, vendorID: String, recipient: String) throws {
            try claim(sequence)
            let now = clock.nowMilliseconds
            store.record([
                AttemptRecord(
                    sequence: sequence, channel: "sms", attempt: 1, startedAt: now - 20, finishedAt: now,
                    outcome: .sent, state: .sent, vendorMessageID: vendorID, recipient: recipient)
            ])
            settle()
        }

        /// Marks a queued message claimed by the store's node, as its dispatcher's claim does.
        func claim(_ sequence: Int64) throws {
            _ = try connection.query(
                PostgresStatement(
                    "UPDATE messages SET claimed_by = 't' WHERE seq = $1 AND state = 'queued'", [String(sequence)]))
        }

        func receipts(_ receipts: [Receipt]) -> ReceiptTally? {
            wait { done in store.recordReceipts(channel: "sms", receipts) { done(try? $0.get()) } }
        }

        func click(_ token: String) -> String?? {
            wait { done in store.click(token) { done(try? $0.get()) } }
        }

        func event(_ event: EngagementEvent) -> EventResult? {
            wait { done in store.recordEvent(event) { done(try? $0.get()) } }
        }

        func value(_ sql: String, _ parameters: String?...) throws -> String? {
            try connection.query(PostgresStatement(sql, parameters)).scalar
        }

        func rows(_ sql: String, _ parameters: String?...) throws -> [[String?]] {
            try connection.query(PostgresStatement(sql, parameters)).rows
        }

        func state(_ id: String) throws -> String? { try value("SELECT state FROM messages WHERE id = $1", id) }
    }

    @Test func aDeliveryReceiptMovesASentMessageForwardOnceAndNeverBack() throws {
        let fixture = try Fixture()
        let sequence = try fixture.accept("m1", to: "13800138000")
        try fixture.sent(sequence, vendorID: "biz-1", recipient: "13800138000")
        fixture.clock.advance(milliseconds: 4_000)
        let delivered = Receipt(
            vendorMessageID: "biz-1", recipient: "13800138000", event: .delivered, vendorStatus: "DELIVERED")
        #expect(fixture.receipts([delivered]) == ReceiptTally.with(matched: 1, kept: [.delivered: 1]))
        #expect(try fixture.state("m1") == "delivered")
        #expect(try fixture.value("SELECT updated_at FROM messages") == String(fixture.clock.nowMilliseconds))
        // The vendor pushes the same report again: nothing changes, it is counted as a duplicate.
        #expect(fixture.receipts([delivered]) == ReceiptTally.with(duplicates: 1))
        // A late failure report cannot move a delivered message back.
        let failed = Receipt(
            vendorMessageID: "biz-1", event: .failed(Reason(.invalidRecipient)), vendorStatus: "MK:0001")
        #expect(fixture.receipts([failed]) == ReceiptTally.with(matched: 1, kept: [.failed: 1]))
        #expect(try fixture.state("m1") == "delivered")
        #expect(try fixture.value("SELECT reason FROM messages") == nil)
        let kept = try fixture.rows(
            "SELECT event, reason, vendor_status, message_seq, received_at FROM receipts ORDER BY seq")
        let linked = String(sequence)
        let at = String(fixture.clock.nowMilliseconds)
        #expect(
            kept == [
                ["delivered", nil, "DELIVERED", linked, at], ["failed", "invalid_recipient", "MK:0001", linked, at],
            ])
        #expect(fixture.store.receiptLatency.snapshot().count == 1)
        #expect(fixture.store.receiptLatency.snapshot().sumSeconds == 4.0)
    }

    @Test func theSameReceiptTwiceInOneCallbackIsKeptOnce() throws {
        let fixture = try Fixture()
        let sequence = try fixture.accept("m1", to: "13800138000")
        try fixture.sent(sequence, vendorID: "biz-1", recipient: "13800138000")
        let delivered = Receipt(vendorMessageID: "biz-1", recipient: "13800138000", event: .delivered)
        #expect(
            fixture.receipts([delivered, delivered])
                == ReceiptTally.with(matched: 1, duplicates: 1, kept: [.delivered: 1]))
        #expect(try fixture.value("SELECT count(*) FROM receipts") == "1")
        // Kept under SQLite's fingerprint: the vendor's id first, then the digest of the fields.
        #expect(try fixture.value("SELECT fingerprint FROM receipts")?.hasPrefix("v:biz-1\nr:") == true)
    }

    @Test func aReceiptThatBeatsTheSendReplyWaitsAndIsMatchedWhenTheReplyIsRecorded() throws {
        let fixture = try Fixture(subscribed: true)
        let sequence = try fixture.accept("m1", to: "13800138000")
        let early = Receipt(
            vendorMessageID: "biz-9", event: .failed(Reason(.invalidRecipient)), vendorStatus: "UNDELIV")
        #expect(fixture.receipts([early]) == ReceiptTally.with(unmatched: 1, kept: [.failed: 1]))
        #expect(try fixture.state("m1") == "queued")
        #expect(try fixture.value("SELECT count(*) FROM receipts WHERE message_seq IS NULL") == "1")
        try fixture.sent(sequence, vendorID: "biz-9", recipient: "13800138000")
        #expect(try fixture.state("m1") == "failed")
        #expect(try fixture.value("SELECT reason FROM messages") == "invalid_recipient")
        #expect(try fixture.value("SELECT reason_code FROM messages") == "UNDELIV")
        #expect(try fixture.value("SELECT message_seq FROM receipts") == String(sequence))
        fixture.settle()
        let states = fixture.lines.all.withLock { $0 }.filter { $0.contains("\"message_id\":\"m1\"") }
        #expect(states.count == 3)
        #expect(states.last?.contains("\"state\":\"failed\"") == true)
    }

    @Test func aWaitingReceiptNamingAnotherRecipientOfTheBatchWaitsOn() throws {
        let fixture = try Fixture()
        let first = try fixture.accept("m1", to: "+8613800000001")
        let second = try fixture.accept("m2", to: "+8613800000002")
        let early = Receipt(vendorMessageID: "batch-2", recipient: "13800000002", event: .delivered)
        #expect(fixture.receipts([early]) == ReceiptTally.with(unmatched: 1, kept: [.delivered: 1]))
        try fixture.sent(first, vendorID: "batch-2", recipient: "+8613800000001")
        #expect(try fixture.state("m1") == "sent")
        #expect(try fixture.value("SELECT count(*) FROM receipts WHERE message_seq IS NULL") == "1")
        try fixture.sent(second, vendorID: "batch-2", recipient: "+8613800000002")
        #expect(try fixture.state("m2") == "delivered")
        #expect(try fixture.value("SELECT message_seq FROM receipts") == String(second))
    }

    @Test func ourOwnIdMatchesEvenBeforeTheSendReplyAndTheReplyDoesNotUndoIt() throws {
        let fixture = try Fixture()
        let sequence = try fixture.accept("m1", to: "13800138000")
        try fixture.claim(sequence)
        #expect(
            fixture.receipts([Receipt(vendorMessageID: nil, messageID: "m1", event: .delivered)])
                == ReceiptTally.with(matched: 1, kept: [.delivered: 1]))
        // Out of `queued`, out of the dispatcher's claim: its record of the send finds nothing to change.
        #expect(try fixture.value("SELECT claimed_by FROM messages") == nil)
        try fixture.sent(sequence, vendorID: "biz-2", recipient: "13800138000")
        #expect(try fixture.state("m1") == "delivered")
        #expect(try fixture.value("SELECT count(*) FROM attempts") == "1")
    }

    /// The latency is taken from the message's state as the match read it, whichever way a receipt finds its
    /// message, and only when the message was `sent`.
    @Test func deliveryLatencyIsObservedOnlyForMessagesThatWereSentWhicheverWayTheyAreMatched() throws {
        let fixture = try Fixture()
        let byOurID = try fixture.accept("m1", to: "13800000001")
        let byVendorID = try fixture.accept("m2", to: "13800000002")
        let batch = [try fixture.accept("m3", to: "13800000003"), try fixture.accept("m4", to: "13800000004")]
        _ = try fixture.accept("m5", to: "13800000005")  // never sent: still queued when its receipt comes
        try fixture.sent(byOurID, vendorID: "biz-1", recipient: "13800000001")
        try fixture.sent(byVendorID, vendorID: "biz-2", recipient: "13800000002")
        try fixture.sent(batch[0], vendorID: "batch-3", recipient: "13800000003")
        try fixture.sent(batch[1], vendorID: "batch-3", recipient: "13800000004")
        fixture.clock.advance(milliseconds: 2_000)
        let receipts = [
            Receipt(vendorMessageID: nil, messageID: "m1", event: .delivered),
            Receipt(vendorMessageID: "biz-2", recipient: "13800000002", event: .delivered),
            Receipt(vendorMessageID: "batch-3", recipient: "13800000003", event: .delivered),
            Receipt(vendorMessageID: "batch-3", recipient: "13800000004", event: .delivered),
            Receipt(vendorMessageID: nil, messageID: "m5", event: .delivered),
        ]
        #expect(fixture.receipts(receipts) == ReceiptTally.with(matched: 5, kept: [.delivered: 5]))
        for id in ["m1", "m2", "m3", "m4", "m5"] { #expect(try fixture.state(id) == "delivered") }
        let latency = fixture.store.receiptLatency.snapshot()
        #expect(latency.count == 4)
        #expect(latency.sumSeconds == 8.0)
    }

    @Test func aBatchSharingOneVendorIdIsToldApartByRecipientEvenWhenSealed() throws {
        let fixture = try Fixture(key: Array(repeating: 7, count: 32))
        var sequences: [Int64] = []
        for index in 1...4 {
            let number = "+861380000000\(index)"
            sequences.append(try fixture.accept("m\(index)", to: number))
            try fixture.sent(sequences[index - 1], vendorID: "batch-7", recipient: number)
        }
        // The same number twice in one batch cannot be told apart.
        let twice = try fixture.accept("m5", to: "+8613800000004")
        try fixture.sent(twice, vendorID: "batch-7", recipient: "+8613800000004")
        let receipts = [2, 1, 3].map {
            Receipt(vendorMessageID: "batch-7", recipient: "1380000000\($0)", event: .delivered)
        }
        #expect(fixture.receipts(receipts) == ReceiptTally.with(matched: 3, kept: [.delivered: 3]))
        for id in ["m1", "m2", "m3"] { #expect(try fixture.state(id) == "delivered") }
        let ambiguous = Receipt(vendorMessageID: "batch-7", recipient: "13800000004", event: .delivered)
        let stranger = Receipt(vendorMessageID: "batch-7", recipient: "13900000000", event: .delivered)
        // Without a recipient the receipt cannot be placed: kept, not guessed.
        let anonymous = Receipt(vendorMessageID: "batch-7", event: .delivered, vendorStatus: "x")
        #expect(
            fixture.receipts([ambiguous, stranger, anonymous])
                == ReceiptTally.with(unmatched: 3, kept: [.delivered: 3]))
        #expect(try fixture.state("m4") == "sent")
        #expect(try fixture.state("m5") == "sent")
        // Recipients are kept sealed.
        #expect(try fixture.value("SELECT count(*) FROM receipts WHERE recipient NOT LIKE 'enc1:%'") == "0")
    }

    @Test func callResultsAreStatesAndTheFirstFinalReceiptOfACallbackWins() throws {
        let fixture = try Fixture()
        var calls: [Int64] = []
        for index in 1...4 {
            calls.append(try fixture.accept("c\(index)", to: "1390000000\(index)"))
            try fixture.sent(calls[index - 1], vendorID: "call-\(index)", recipient: "1390000000\(index)")
        }
        let tally = fixture.receipts([
            Receipt(vendorMessageID: "call-1", event: .answered), Receipt(vendorMessageID: "call-1", event: .busy),
            Receipt(vendorMessageID: "call-2", event: .refused), Receipt(vendorMessageID: "call-3", event: .busy),
            Receipt(vendorMessageID: "call-4", event: .invalidNumber),
        ])
        #expect(tally?.matched == 5)
        #expect(try fixture.state("c1") == "answered")
        #expect(try fixture.state("c2") == "refused")
        #expect(try fixture.state("c3") == "busy")
        #expect(try fixture.state("c4") == "invalid_number")
        #expect(try fixture.value("SELECT reason FROM messages WHERE id = 'c4'") == "invalid_recipient")
        #expect(
            try fixture.value("SELECT reason_detail FROM messages WHERE id = 'c4'") == "the number does not exist")
    }

    @Test func anEngagementReceiptIsStreamedAndLeavesTheStateAlone() throws {
        let fixture = try Fixture(subscribed: true)
        let sequence = try fixture.accept("m1", to: "13800138000")
        try fixture.sent(sequence, vendorID: "push-1", recipient: "13800138000")
        let opened = Receipt(vendorMessageID: "push-1", event: .opened, occurredAtMilliseconds: 1_000)
        #expect(fixture.receipts([opened]) == ReceiptTally.with(matched: 1, kept: [.opened: 1]))
        #expect(try fixture.state("m1") == "sent")
        fixture.settle()
        let last = fixture.lines.all.withLock { $0.last }
        #expect(last?.contains("\"state\":\"opened\"") == true)
        #expect(last?.contains("\"message_id\":\"m1\"") == true)
    }

    @Test func aClickAnswersTheUrlCountsAndJoinsTheTimelineOnce() throws {
        let fixture = try Fixture(key: Array(repeating: 9, count: 32), subscribed: true)
        let sequence = try fixture.accept("m1", to: "13800138000", links: [("tok1", "https://bank.example/a")])
        let first = fixture.clock.nowMilliseconds
        #expect(fixture.click("tok1") == .some("https://bank.example/a"))
        fixture.clock.advance(milliseconds: 1_000)
        #expect(fixture.click("tok1") == .some("https://bank.example/a"))
        #expect(fixture.click("unknown") == .some(nil))
        #expect(try fixture.rows("SELECT clicks, first_click_at FROM tracked_links") == [["2", String(first)]])
        #expect(
            try fixture.rows("SELECT event, message_seq, fingerprint FROM receipts")
                == [["clicked", String(sequence), "click:tok1"]])
        fixture.settle()
        #expect(fixture.lines.all.withLock { $0 }.filter { $0.contains("\"state\":\"clicked\"") }.count == 1)
    }

    @Test func anEventIsKeptOncePerIdAndLinkedToItsMessage() throws {
        let fixture = try Fixture()
        let sequence = try fixture.accept("m1", to: "13800138000")
        let now = fixture.clock.nowMilliseconds
        let opened = EngagementEvent(
            eventID: "e1", messageID: "m1", customer: "C1", type: .opened, value: nil, occurredAt: now,
            client: "uid=1")
        #expect(fixture.event(opened) == .recorded)
        #expect(fixture.event(opened) == .duplicate)
        var stray = opened
        stray.eventID = "e2"
        stray.messageID = "nope"
        #expect(fixture.event(stray) == .unknownMessage)
        let converted = EngagementEvent(
            eventID: "e3", messageID: nil, customer: "C1", type: .converted, value: "120.5", occurredAt: now,
            client: "uid=1")
        #expect(fixture.event(converted) == .recorded)
        #expect(
            try fixture.rows("SELECT event_id, message_seq, subject, type, value FROM engagement_events ORDER BY 1")
                == [
                    ["e:e1", String(sequence), "c:C1", "opened", nil], ["e:e3", nil, "c:C1", "converted", "120.5"],
                ])
    }

    @Test func repliesReachNoTouchWithoutStrategies() throws {
        let fixture = try Fixture()
        let reached = fixture.wait { done in
            fixture.store.recordReplies(["13800138000"], at: nil) { done(try? $0.get()) }
        }
        #expect(reached == 0)
    }

    @Test func pollingIsRescheduledDroppedWhenGivenUpAndEndsWithAFinalReceipt() throws {
        let fixture = try Fixture()
        fixture.store.setPolling(["sms": .seconds(60)])
        var sequences: [Int64] = []
        for index in 1...3 {
            sequences.append(try fixture.accept("m\(index)", to: "1380000000\(index)"))
            try fixture.sent(sequences[index - 1], vendorID: "biz-\(index)", recipient: "1380000000\(index)")
        }
        let sentAt = fixture.clock.nowMilliseconds
        #expect(try fixture.value("SELECT count(*) FROM poll_queue WHERE due_at = $1", String(sentAt + 60_000)) == "3")
        // A final receipt: nothing left to ask about m1.
        _ = fixture.receipts([Receipt(vendorMessageID: "biz-1", event: .delivered)])
        #expect(try fixture.value("SELECT count(*) FROM poll_queue WHERE seq = $1", String(sequences[0])) == "0")
        // Asked about m2: due again later. Asked about m3 past the give-up time: dropped.
        fixture.store.markPolled([sequences[1]], next: sentAt + 120_000, giveUpBefore: sentAt - 1)
        fixture.store.markPolled([sequences[2]], next: sentAt + 120_000, giveUpBefore: sentAt + 1)
        fixture.settle()
        #expect(
            try fixture.rows("SELECT seq, due_at FROM poll_queue") == [
                [String(sequences[1]), String(sentAt + 120_000)]
            ])
        // A message no longer sent (finished some other way) leaves the queue when next asked about.
        _ = try fixture.connection.query(
            PostgresStatement("UPDATE messages SET state = 'delivered' WHERE seq = $1", [String(sequences[1])]))
        fixture.store.markPolled([sequences[1]], next: sentAt + 180_000, giveUpBefore: sentAt - 1)
        fixture.settle()
        #expect(try fixture.value("SELECT count(*) FROM poll_queue") == "0")
    }
}

/// A fixture that could not be set up.
private struct Failure: Error, CustomStringConvertible {
    var description: String
}

extension ReceiptTally {
    fileprivate static func with(
        matched: Int = 0, unmatched: Int = 0, duplicates: Int = 0, kept: [TimelineEvent: Int] = [:]
    ) -> ReceiptTally {
        ReceiptTally(matched: matched, unmatched: unmatched, duplicates: duplicates, keptByEvent: kept)
    }
}
