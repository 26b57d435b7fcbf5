import ChannelKit

/// One unit of work on the store writer's queue.
enum StoreOperation {
    case accept([AcceptRequest], @Sendable ([AcceptResult]) -> Void)
    case record([AttemptRecord])
    case status(String, @Sendable (MessageStatus?) -> Void)
    case consent([ConsentChange], @Sendable (Result<Int, StoreError>) -> Void)
    case consentQuery(ConsentChange.Subject, @Sendable (Result<ConsentReport, StoreError>) -> Void)
    case failover([FailoverMove])
    case receipts(String, [Receipt], @Sendable (Result<ReceiptTally, StoreError>) -> Void)
    case event(EngagementEvent, @Sendable (Result<EventResult, StoreError>) -> Void)
    case click(String, @Sendable (Result<String?, StoreError>) -> Void)
    case acknowledgeOutbox(Int64)
    case polled([Int64], next: Int64, giveUpBefore: Int64)
    case barrier(@Sendable () -> Void)
    /// Enrolments (a slice: the commit budget may split one call over several commits).
    case enrol(ArraySlice<Enrolment>, RunResults<EnrolResult>)
    /// The engine's advances, split like enrolments.
    case advance(ArraySlice<RunAdvance>, RunResults<AdvanceResult>)
    /// Operator work (cancel, requeue, pause) run inside the batch's transaction; the completion hears after the
    /// commit whether it held. The body may report messages it queued, by channel and priority lane.
    case transaction(
        @Sendable (StoreWriter, Int64, inout [String: LaneCounts]) throws(StoreError) -> Void,
        @Sendable (StoreError?) -> Void)

    /// Enrolments and advances in this operation: what the commit budget counts.
    var strategyItems: Int {
        switch self {
        case .enrol(let items, _): items.count
        case .advance(let items, _): items.count
        default: 0
        }
    }

    /// This operation's first `count` strategy items, and the rest (`nil` when none is left).
    func split(_ count: Int) -> (head: StoreOperation, rest: StoreOperation?) {
        switch self {
        case .enrol(let items, let results) where count < items.count:
            let cut = items.startIndex + count
            return (.enrol(items[..<cut], results), .enrol(items[cut...], results))
        case .advance(let items, let results) where count < items.count:
            let cut = items.startIndex + count
            return (.advance(items[..<cut], results), .advance(items[cut...], results))
        default:
            return (self, nil)
        }
    }

    /// Whether the operation may run ahead of strategy work the budget held back: sends, records and receipts
    /// never wait behind it; anything whose answer promises "after everything queued before" does.
    var overtakesHeldWork: Bool {
        switch self {
        case .accept, .record, .failover, .receipts, .event, .click, .consent, .acknowledgeOutbox, .polled: true
        case .status, .consentQuery, .barrier, .transaction, .enrol, .advance: false
        }
    }

    /// Whether a client or a vendor waits on the operation's answer (a send's ACK, a receipt's or a click's HTTP
    /// reply), so a long strategy commit would hold it up; the dispatcher's records and the store's own
    /// bookkeeping are not waited on, and enrolments are strategy work themselves.
    var isAwaited: Bool {
        switch self {
        case .accept, .status, .consent, .consentQuery, .receipts, .event, .click, .transaction: true
        case .record, .failover, .acknowledgeOutbox, .polled, .barrier, .enrol, .advance: false
        }
    }

    /// Splits a batch that holds strategy work in two commits: first the operations that may overtake it (and
    /// that no order-keeping operation precedes), so a send waits for at most the commit in progress, not for
    /// the strategy work taken with it; then the rest, in order. A batch without strategy work stays one.
    static func aheadOfStrategyWork(_ batch: [StoreOperation]) -> (ahead: [StoreOperation], rest: [StoreOperation]) {
        guard batch.contains(where: { $0.strategyItems > 0 }) else { return ([], batch) }
        var ahead: [StoreOperation] = []
        var rest: [StoreOperation] = []
        var ordered = false
        for operation in batch {
            if operation.strategyItems == 0 && operation.overtakesHeldWork && !ordered {
                ahead.append(operation)
            } else {
                // Strategy work may be overtaken; a status, barrier or transaction keeps everything after it.
                if operation.strategyItems == 0 { ordered = true }
                rest.append(operation)
            }
        }
        return (ahead, rest)
    }
}
