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
    /// Operator work (cancel, requeue, pause) run inside the batch's transaction; the completion hears after the
    /// commit whether it held. The body may report messages it queued, by channel and priority lane.
    case transaction(
        @Sendable (StoreWriter, Int64, inout [String: LaneCounts]) throws(StoreError) -> Void,
        @Sendable (StoreError?) -> Void)
}
