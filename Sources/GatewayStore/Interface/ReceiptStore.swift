public import ChannelKit

/// Receipts and engagement: vendor receipts (pushed or polled), link clicks and the bank's own events.
public protocol ReceiptStore: AnyObject, Sendable {
    /// Keeps a callback's receipts (each once), matches them to messages and applies them; `completion` runs
    /// after the commit, so a vendor is answered only for receipts that are durable.
    func recordReceipts(
        channel: String, _ receipts: [Receipt],
        completion: @escaping @Sendable (Result<ReceiptTally, StoreError>) -> Void)

    /// Counts a click on a tracked link; `completion` gets the original URL (`nil` for an unknown token).
    func click(_ token: String, completion: @escaping @Sendable (Result<String?, StoreError>) -> Void)

    /// Keeps an engagement event once per id; `completion` runs after the commit.
    func recordEvent(
        _ event: EngagementEvent, completion: @escaping @Sendable (Result<EventResult, StoreError>) -> Void)

    /// SMS replies that are not opt-out keywords, by sender number: each is `replied` on the newest SMS touch of
    /// the customers with that number (strategies waiting for a reply move on); `completion` gets how many
    /// touches it reached, after the commit. `at` is when the replies came (`nil`: now).
    func recordReplies(
        _ senders: [String], at: Int64?, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void)

    /// Notes a query about messages: due again at `next`, or dropped once sent before `giveUpBefore` or final.
    func markPolled(_ sequences: [Int64], next: Int64, giveUpBefore: Int64)

    /// Sets which instances poll for receipts and how long after a send they first ask (from the next commit).
    func setPolling(_ delays: [String: Duration])

    /// Sent → delivered latency of matched delivery receipts (seconds buckets, for `/metrics`).
    var receiptLatency: LatencyHistogram { get }
}
