public import ChannelKit
public import GatewayStore

// Placeholder: ported from StoreWriter+Receipts next.
extension PostgresMessageStore {
    public func recordReceipts(
        channel: String, _ receipts: [Receipt],
        completion: @escaping @Sendable (Result<ReceiptTally, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("receipts")))
    }

    public func click(_ token: String, completion: @escaping @Sendable (Result<String?, StoreError>) -> Void) {
        completion(.failure(Self.unserved("clicks")))
    }

    public func recordEvent(
        _ event: EngagementEvent, completion: @escaping @Sendable (Result<EventResult, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("events")))
    }

    public func recordReplies(
        _ senders: [String], at: Int64?, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        completion(.failure(Self.unserved("replies")))
    }

    public func markPolled(_ sequences: [Int64], next: Int64, giveUpBefore: Int64) {}

    /// After a completion: receipts that arrived before their message's send was recorded are matched now.
    func afterSent(_ records: [AttemptRecord], turn: inout PostgresTurn) {}
}
