public import ChannelKit
public import GatewayStore
import Logging

/// Receipts, clicks, engagement events and receipt polling (``PostgresReceipts``), on the writer in queue order
/// with sends: a receipt recorded after a send's record sees that send.
extension PostgresMessageStore {
    /// Keeps a callback's receipts (each once), matches them to messages and applies them; `completion` runs
    /// after the commit, so a vendor is answered only for receipts that are durable. Two statements for the whole
    /// callback, in one transaction.
    public func recordReceipts(
        channel: String, _ receipts: [Receipt],
        completion: @escaping @Sendable (Result<ReceiptTally, StoreError>) -> Void
    ) {
        guard !receipts.isEmpty else { return completion(.success(ReceiptTally())) }
        let statements = PostgresReceipts(cipher: cipher)
        let latency = receiptLatency
        performRuns(
            { runs, turn throws(PostgresError) in
                let applied = try statements.record(
                    receipts, channel: channel, now: turn.now, collectChanges: turn.changes != nil,
                    on: turn.connection)
                turn.changes? += applied.changes
                // A strategy's message: the receipt reaches its run (one read per callback, only with strategies).
                try runs.applyReceipts(applied.linked, turn: &turn)
                return applied
            },
            completion: { result in
                // Latencies only of what committed.
                if case .success(let applied) = result {
                    for milliseconds in applied.latencies { latency.observe(milliseconds: milliseconds) }
                }
                completion(result.map(\.tally))
            })
    }

    /// Counts a click on a tracked link; `completion` gets the original URL (`nil` for an unknown token) after
    /// the commit. The first click of a strategy's message reaches its run.
    public func click(_ token: String, completion: @escaping @Sendable (Result<String?, StoreError>) -> Void) {
        let statements = PostgresReceipts(cipher: cipher)
        performRuns(
            { runs, turn throws(PostgresError) in
                let clicked = try statements.click(
                    token, now: turn.now, collectChanges: turn.changes != nil, on: turn.connection)
                if let change = clicked.change { turn.changes?.append(change) }
                if let touch = clicked.firstOfRun {
                    try runs.applyTrackedClick(
                        to: PostgresRuns.Touch(runID: touch.runID, visit: touch.visit), at: turn.now, turn: &turn)
                }
                return clicked.url
            }, completion: completion)
    }

    /// Keeps an engagement event once per id; `completion` runs after the commit. One about a strategy's message
    /// reaches its run; one about a customer reaches the customer's runs (and conversions are attributed).
    public func recordEvent(
        _ event: EngagementEvent, completion: @escaping @Sendable (Result<EventResult, StoreError>) -> Void
    ) {
        let statements = PostgresReceipts(cipher: cipher)
        performRuns(
            { runs, turn throws(PostgresError) in
                let (result, touch) = try statements.record(event, now: turn.now, on: turn.connection)
                guard case .recorded = result else { return result }
                let value = event.value.flatMap(Double.init)
                if let touch {
                    try runs.applyEvent(
                        event.name, to: PostgresRuns.Touch(runID: touch.runID, visit: touch.visit),
                        at: event.occurredAt, value: value, turn: &turn)
                } else if let customer = event.customer, runs.served {
                    try runs.applyCustomerEvent(
                        event.name, ck: runs.customerKey(customer), channelType: event.channelType ?? "app_push",
                        at: event.occurredAt, value: value, turn: &turn)
                }
                return result
            },
            completion: completion)
    }

    /// SMS replies that are not opt-outs reach the senders' newest SMS touches as `replied` (one transaction);
    /// how many touches they reached.
    public func recordReplies(
        _ senders: [String], at: Int64?, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        guard !senders.isEmpty else { return completion(.success(0)) }
        performRuns(
            { runs, turn throws(PostgresError) in
                guard runs.served else { return 0 }
                return try runs.recordReplies(senders, at: at ?? turn.now, turn: &turn)
            }, completion: completion)
    }

    /// Notes a query about messages: due again at `next`, or dropped once sent before `giveUpBefore` or final.
    /// One statement in queue order; nobody waits for it (a failure is logged, and the messages are polled again).
    public func markPolled(_ sequences: [Int64], next: Int64, giveUpBefore: Int64) {
        guard !sequences.isEmpty else { return }
        let statements = PostgresReceipts(cipher: cipher)
        let logger = logger
        perform(
            { turn throws(PostgresError) in
                try statements.polled(sequences, next: next, giveUpBefore: giveUpBefore, on: turn.connection)
            },
            completion: { result in
                if case .failure(let error) = result {
                    logger.warning("noting receipt queries failed", metadata: ["error": "\(error)"])
                }
            })
    }

    /// After a completion (committed): receipts that arrived before their message's send was recorded are matched
    /// now. One indexed read of `receipts_unmatched` per completion (empty while every receipt has its message);
    /// the matching, when there is any, is one statement of its own.
    func afterSent(_ records: [AttemptRecord], turn: inout PostgresTurn) {
        do {
            guard
                let applied = try PostgresReceipts(cipher: cipher).matchWaiting(
                    records, collectChanges: turn.changes != nil, on: turn.connection)
            else { return }
            turn.changes? += applied.changes
            for milliseconds in applied.latencies { receiptLatency.observe(milliseconds: milliseconds) }
            // Strategy messages among them: their runs hear of the receipts on the writer, which owns runs (a
            // touch's time is set once, so this is the receipt's one effect on its run).
            let linked = applied.linked
            guard !linked.isEmpty else { return }
            let logger = logger
            performRuns(
                { runs, turn throws(PostgresError) in try runs.applyReceipts(linked, turn: &turn) },
                completion: { result in
                    if case .failure(let error) = result {
                        logger.error("late receipts did not reach their runs", metadata: ["error": "\(error)"])
                    }
                })
        } catch {
            // The receipts stay kept and unmatched; a later record with the same vendor id may still match them.
            logger.error("matching waiting receipts failed", metadata: ["error": "\(error)"])
        }
    }
}
