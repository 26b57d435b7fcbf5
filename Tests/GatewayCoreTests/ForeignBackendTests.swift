import ChannelKit
import ControlProtocol
import GatewayConfig
import GatewayStore  // deliberately not @testable: the fake sees only what another module's backend would see
import Synchronization
import Testing

@testable import GatewayCore

/// A backend outside the GatewayStore module (as `GatewayStorePostgres` will be) can implement ``MessageStoring``:
/// this file builds every value the protocols return with their public initializers, so it stops compiling if
/// one of them turns internal again. The fake keeps one message in memory and plays send, attempt, receipt and
/// event through the protocols, then through `StatusHandler` to the bytes `status` answers with.
struct ForeignBackendTests {
    /// An in-memory store for one test. Requirements the test does not exercise (`requeue`, the outbox, …)
    /// `fatalError`; the ones it does are implemented just far enough.
    final class InMemoryStore: MessageStoring, @unchecked Sendable {
        private struct Entry {
            var sequence: Int64
            var request: AcceptRequest
            var state: MessageState
            var history: [MessageStatus.Attempt] = []
            var receipts: [MessageStatus.ReceiptEntry] = []
            var vendorMessageID: String?
        }

        private let messages = Mutex<[Entry]>([])
        private let commitHandler = Mutex<(@Sendable ([String: LaneCounts]) -> Void)?>(nil)
        let feed = ChangeFeed()
        let receiptLatency = LatencyHistogram(bounds: [1, 10])
        let location = "memory"
        var commitCount: Int { messages.withLock { $0.count } }
        let lastTurn: Int64 = 0
        let now: Int64 = 1_795_449_600_000

        private func publish(_ entry: Entry, _ state: MessageState) {
            let message = entry.request.message
            feed.publish([
                StateChange(
                    messageID: message.id, customer: entry.request.customer, channel: message.channel,
                    category: message.category.description, state: state, reason: nil, at: now)
            ])
        }

        // IntakeStore
        func accept(_ requests: [AcceptRequest], completion: @escaping @Sendable ([AcceptResult]) -> Void) -> Bool {
            var counts: [String: LaneCounts] = [:]
            let results = messages.withLock { messages in
                requests.map { request -> AcceptResult in
                    messages.append(Entry(sequence: Int64(messages.count + 1), request: request, state: .queued))
                    counts[request.message.channel, default: .zero][PriorityLane(request.message.category)] += 1
                    return .queued(request.message.id)
                }
            }
            commitHandler.withLock { $0 }?(counts)
            completion(results)
            return true
        }

        func status(of id: String, completion: @escaping @Sendable (MessageStatus?) -> Void) {
            let entry = messages.withLock { $0.first { $0.request.message.id == id } }
            completion(
                entry.map { entry in
                    MessageStatus(
                        id: id, channel: entry.request.message.channel, recipient: entry.request.message.recipient,
                        category: entry.request.message.category.description, state: entry.state,
                        attempts: entry.history.count, vendorMessageID: entry.vendorMessageID, reason: nil,
                        reasonDetail: nil, dedupKey: entry.request.clientDedupKey, createdAt: now, updatedAt: now,
                        notAfter: entry.request.notAfter, nextAttemptAt: 0, customer: entry.request.customer,
                        history: entry.history, receipts: entry.receipts, clicks: 0, firstClickAt: nil)
                })
        }

        func barrier(_ completion: @escaping @Sendable () -> Void) { completion() }

        // DeliveryStore
        final class Reader: StoreReading {
            let store: InMemoryStore
            init(_ store: InMemoryStore) { self.store = store }

            func queued(channel: String, priority: PriorityLane, after: Int64, limit: Int) throws(StoreError)
                -> [StoredMessage]
            {
                store.messages.withLock { messages in
                    messages.filter {
                        $0.state == .queued && $0.request.message.channel == channel && $0.sequence > after
                            && PriorityLane($0.request.message.category) == priority
                    }
                    .prefix(limit)
                    .map {
                        StoredMessage(
                            sequence: $0.sequence, message: $0.request.message, notAfter: $0.request.notAfter,
                            attempts: $0.history.count, nextAttemptAt: 0)
                    }
                }
            }
            func pollTargets(channel: String, dueBy now: Int64, limit: Int) throws(StoreError)
                -> [(sequence: Int64, target: PollTarget)]
            { [] }
            func outbox(limit: Int) throws(StoreError) -> [(sequence: Int64, line: String)] { [] }
            func oldestQueuedAt(channel: String, lane: PriorityLane) throws(StoreError) -> Int64? { nil }
        }

        func makeReader() throws(StoreError) -> any StoreReading { Reader(self) }

        func record(_ records: [AttemptRecord]) {
            for record in records {
                let entry = messages.withLock { messages -> Entry? in
                    guard let index = messages.firstIndex(where: { $0.sequence == record.sequence }) else { return nil }
                    messages[index].state = record.state.messageState
                    messages[index].vendorMessageID = record.vendorMessageID
                    messages[index].history.append(
                        MessageStatus.Attempt(
                            number: record.attempt, startedAt: record.startedAt, finishedAt: record.finishedAt,
                            outcome: record.outcome, httpStatus: record.httpStatus,
                            reason: record.reason?.category.name, vendorCode: record.reason?.vendorCode,
                            detail: record.reason?.detail))
                    return messages[index]
                }
                if let entry { publish(entry, record.state.messageState) }
            }
        }

        func failover(_ moves: [FailoverMove]) { fatalError("not exercised") }
        func onCommit(_ handler: @escaping @Sendable ([String: LaneCounts]) -> Void) {
            commitHandler.withLock { $0 = handler }
        }
        func queuedCounts() throws(StoreError) -> [String: Int] { [:] }
        func pausedInstances() throws(StoreError) -> Set<String> { [] }

        // ReceiptStore
        func recordReceipts(
            channel: String, _ receipts: [Receipt],
            completion: @escaping @Sendable (Result<ReceiptTally, StoreError>) -> Void
        ) {
            var tally = ReceiptTally()
            for receipt in receipts {
                let event = TimelineEvent(receipt.event)
                tally.keptByEvent[event, default: 0] += 1
                let matched = messages.withLock { messages -> Entry? in
                    guard let index = messages.firstIndex(where: { $0.vendorMessageID == receipt.vendorMessageID })
                    else { return nil }
                    messages[index].receipts.append(
                        MessageStatus.ReceiptEntry(
                            event: event, vendorStatus: receipt.vendorStatus,
                            occurredAt: receipt.occurredAtMilliseconds, receivedAt: now))
                    if event == .delivered { messages[index].state = .delivered }
                    return messages[index]
                }
                if let matched {
                    tally.matched += 1
                    publish(matched, matched.state)
                } else {
                    tally.unmatched += 1
                }
            }
            completion(.success(tally))
        }

        func click(_ token: String, completion: @escaping @Sendable (Result<String?, StoreError>) -> Void) {
            completion(.success(nil))
        }

        func recordEvent(
            _ event: EngagementEvent, completion: @escaping @Sendable (Result<EventResult, StoreError>) -> Void
        ) {
            let known = messages.withLock { messages -> Bool in
                guard let index = messages.firstIndex(where: { $0.request.message.id == event.messageID }) else {
                    return false
                }
                messages[index].receipts.append(
                    MessageStatus.ReceiptEntry(
                        event: TimelineEvent(event.type) ?? .converted, occurredAt: event.occurredAt, receivedAt: now,
                        value: event.value))
                return true
            }
            completion(.success(known ? .recorded : .unknownMessage))
        }

        func recordReplies(
            _ senders: [String], at: Int64?, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
        ) { completion(.success(0)) }
        func markPolled(_ sequences: [Int64], next: Int64, giveUpBefore: Int64) {}
        func setPolling(_ delays: [String: Duration]) {}

        // ConsentStore
        func setPolicy(_ configuration: PolicyConfiguration) {}
        func isOptOutKeyword(_ reply: String) -> Bool { false }
        func changeConsent(
            _ changes: [ConsentChange], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
        ) { fatalError("not exercised") }

        func consent(
            of subject: ConsentChange.Subject,
            completion: @escaping @Sendable (Result<ConsentReport, StoreError>) -> Void
        ) {
            let entry = ConsentReport.Entry(
                sequence: 1, subjectKind: subject.kind, subject: subject.text, channel: "sms", action: .optOut,
                route: .api, evidence: nil, client: "uid=0", at: now)
            completion(.success(ConsentReport(optedOut: ["sms"], entries: [entry])))
        }

        func consentLog(
            after sequence: Int64, since: Int64?, limit: Int,
            completion: @escaping @Sendable (Result<[ConsentReport.Entry], StoreError>) -> Void
        ) { fatalError("not exercised") }

        // OperatorStore
        func locate(
            messageID: String?, dedupKey: String?,
            completion: @escaping @Sendable (Result<MessageLocation?, StoreError>) -> Void
        ) {
            let entry = messages.withLock { $0.first { $0.request.message.id == messageID } }
            completion(
                .success(
                    entry.map {
                        MessageLocation(
                            sequence: $0.sequence, messageID: $0.request.message.id,
                            channel: $0.request.message.channel, state: $0.state)
                    }))
        }

        func cancel(
            _ sequence: Int64, client: String, completion: @escaping @Sendable (Result<Bool, StoreError>) -> Void
        ) { fatalError("not exercised") }
        func countRequeue(_ filter: RequeueFilter, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void) {
            fatalError("not exercised")
        }
        func requeue(
            _ filter: RequeueFilter, limit: Int, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
        ) { fatalError("not exercised") }
        func setPaused(
            _ channel: String, paused: Bool, client: String,
            completion: @escaping @Sendable (Result<Void, StoreError>) -> Void
        ) { fatalError("not exercised") }

        // ReportStore
        func report(since: Int64) throws(StoreError) -> [ChannelReport] {
            var report = ChannelReport(channel: "sms")
            report.accepted = messages.withLock { $0.count }
            return [report]
        }
        func changes(since: Int64, limit: Int) throws(StoreError) -> [StateChange] { [] }
        func strategyReport(_ name: String, version: Int?) throws(StoreError) -> StrategyReport? { nil }
        func enableOutbox(wake: @escaping @Sendable () -> Void) { fatalError("not exercised") }
        func acknowledgeOutbox(upTo sequence: Int64) { fatalError("not exercised") }

        // StoreLifecycle
        func onLost(_ handler: @escaping @Sendable (StoreError) -> Void) {}
        func close() {}

        // CustomerStore
        func upsertCustomers(
            _ upserts: [CustomerUpsert],
            completion: @escaping @Sendable ([Result<CustomerUpsert.Outcome, StoreError>]) -> Void
        ) -> Bool {
            completion(upserts.map { _ in .success(.created) })
            return true
        }
        func customer(_ id: String, completion: @escaping @Sendable (Result<CustomerProfile?, StoreError>) -> Void) {
            completion(.success(nil))
        }
        func forget(
            _ request: CustomerForget, completion: @escaping @Sendable (Result<ForgetResult, StoreError>) -> Void
        ) {
            completion(.success(ForgetResult(customerHash: "f:0", known: false)))
        }

        // StrategyStore
        func register(
            _ strategies: [StrategyRules], completion: @escaping @Sendable (Result<[String: Int], StoreError>) -> Void
        ) { completion(.success(Dictionary(uniqueKeysWithValues: strategies.map { ($0.name, 1) }))) }
        func enrol(_ enrolments: [Enrolment], completion: @escaping @Sendable ([EnrolResult]) -> Void) -> Bool {
            completion(enrolments.map { _ in .refused(.unknownStrategy) })
            return true
        }
        func advance(_ advances: [RunAdvance], completion: @escaping @Sendable ([AdvanceResult]) -> Void) {
            completion(advances.map { .lost(runID: $0.runID) })
        }
        func exit(
            _ selector: RunSelector, client: String,
            completion: @escaping @Sendable (Result<RunExit, StoreError>) -> Void
        ) { completion(.success(.notFound)) }
        func runs(
            of customer: String, limit: Int, completion: @escaping @Sendable (Result<[RunSnapshot], StoreError>) -> Void
        ) { completion(.success([])) }
        func strategies(completion: @escaping @Sendable (Result<[StrategyVersionInfo], StoreError>) -> Void) {
            completion(.success([]))
        }
        func onTimers(_ handler: @escaping @Sendable (Int64) -> Void) {}
        func onHolds(_ handler: @escaping @Sendable (HeldRuns) -> Void) {}
        func migrate(
            strategy: String, moves: [String: String], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
        ) {
            completion(.success(0))
        }
        func makeStrategyReader() throws(StoreError) -> any StrategyReading { fatalError("not exercised") }
    }

    /// Waits for a completion the fake runs synchronously.
    static func value<Value: Sendable>(_ call: (@escaping @Sendable (Value) -> Void) -> Void) -> Value? {
        let result = Mutex<Value?>(nil)
        call { value in result.withLock { $0 = value } }
        return result.withLock { $0 }
    }

    @Test func sendAttemptReceiptAndEventRoundTripThroughTheProtocols() throws {
        let backend = InMemoryStore()
        let store: any MessageStoring = backend
        let lines = Mutex<[String]>([])
        store.feed.subscribe(ChangeFeed.Filter()) { newLines, _ in
            lines.withLock { $0 += newLines }
            return true
        }
        let committed = Mutex<[String: LaneCounts]>([:])
        store.onCommit { counts in committed.withLock { $0 = counts } }

        let message = OutboundMessage(id: "m1", channel: "sms", recipient: "13800138000", content: "hi")
        let accepted = Self.value { done in
            _ = store.accept(
                [
                    AcceptRequest(
                        message: message, channelType: "sms", dedupKey: "k:1", clientDedupKey: "1", notAfter: nil)
                ], completion: done)
        }
        guard case .queued("m1")? = accepted?.first else {
            Issue.record("not queued: \(String(describing: accepted))")
            return
        }
        #expect(committed.withLock { $0 }["sms"]?.total == 1)

        let page = try store.makeReader().queued(channel: "sms", priority: .transactional, after: 0, limit: 10)
        #expect(page.map(\.sequence) == [1])
        let now = backend.now
        store.record([
            AttemptRecord(
                sequence: 1, channel: "sms", attempt: 1, startedAt: now, finishedAt: now + 40, outcome: .sent,
                state: .sent, httpStatus: 200, vendorMessageID: "v1")
        ])
        let tally = Self.value { done in
            store.recordReceipts(channel: "sms", [Receipt(vendorMessageID: "v1", event: .delivered)], completion: done)
        }
        #expect(try tally?.get() == ReceiptTally(matched: 1, keptByEvent: [.delivered: 1]))
        let event = EngagementEvent(
            eventID: "e1", messageID: "m1", customer: nil, type: .converted, value: "12.5", occurredAt: now,
            client: "uid=0")
        #expect(try Self.value { store.recordEvent(event, completion: $0) }?.get() == .recorded)

        let location = try Self.value { store.locate(messageID: "m1", dedupKey: nil, completion: $0) }?.get()
        #expect(location == MessageLocation(sequence: 1, messageID: "m1", channel: "sms", state: .delivered))
        #expect(try Self.value { store.consent(of: .customer("c1"), completion: $0) }?.get().optedOut == ["sms"])
        #expect(try store.report(since: 0).map(\.accepted) == [1])
        #expect(lines.withLock { $0 }.count == 2)

        // The typed outcome and events come out as the names `status` has always written.
        let status = try #require(Self.value { store.status(of: "m1", completion: $0) } ?? nil)
        #expect(status.history.map(\.outcome) == [.sent])
        #expect(status.receipts.map(\.event) == [.delivered, .converted])
        let line = StatusHandler.answer(status).line(id: nil)
        #expect(line.contains(#""state":"delivered","attempts":1,"vendor_message_id":"v1""#))
        #expect(line.contains(#""outcome":"sent","http_status":200,"#))
        #expect(line.contains(#""duration_ms":40}"#))
        #expect(line.contains(#"{"event":"delivered","reason":null,"vendor_status":null,"#))
        #expect(line.contains(#"{"event":"converted","reason":null,"vendor_status":null,"#))
        #expect(line.contains(#""value":"12.5"}]}"#))
    }

    @Test func storedNamesReadAsTheirEvents() {
        #expect(
            TimelineEvent.allCases.map(\.rawValue) == [
                "delivered", "failed", "answered", "no_answer", "busy", "invalid_number", "refused", "opened",
                "clicked",
                "converted",
            ])
        #expect(TimelineEvent(stored: "no_answer") == .noAnswer)
        #expect(TimelineEvent(stored: "something_new") == .failed)
    }
}
