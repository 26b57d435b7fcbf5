public import ChannelKit
public import ControlProtocol

/// The result of one send attempt, written to the store by the dispatcher.
public struct AttemptRecord: Sendable {
    /// The message's final or interim state after this attempt: the four of ``MessageState`` an attempt can
    /// leave a message in (receipts, operators and intake set the others).
    public enum State: String, CaseIterable, Sendable {
        case queued, sent, failed, expired

        /// The same state as the store keeps and streams it.
        public var messageState: MessageState {
            switch self {
            case .queued: .queued
            case .sent: .sent
            case .failed: .failed
            case .expired: .expired
            }
        }
    }

    /// What the attempt concluded.
    public enum Outcome: String, Sendable {
        case sent, retry, failed, expired
        /// Failed here for a vendor-side reason and moved to the instance's backup.
        case failedOver = "failed_over"
        /// The request went out and no answer came back: the vendor may have accepted it. The state says what
        /// followed: `queued` (resent under `on_ambiguous: retry`) or `failed`.
        case ambiguous
    }

    public var sequence: Int64
    public var channel: String
    /// The attempt number, from 1 (0 for an expiry without an attempt).
    public var attempt: Int
    public var startedAt: Int64
    public var finishedAt: Int64
    public var outcome: Outcome
    public var state: State
    public var httpStatus: Int?
    public var reason: Reason?
    public var vendorMessageID: String?
    /// For a retry: when the next attempt is due.
    public var nextAttemptAt: Int64
    /// The message's recipient, to match receipts of a batch that share one vendor id.
    public var recipient: String?

    public init(
        sequence: Int64, channel: String, attempt: Int, startedAt: Int64, finishedAt: Int64, outcome: Outcome,
        state: State, httpStatus: Int? = nil, reason: Reason? = nil, vendorMessageID: String? = nil,
        nextAttemptAt: Int64 = 0, recipient: String? = nil
    ) {
        self.recipient = recipient
        self.sequence = sequence
        self.channel = channel
        self.attempt = attempt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.state = state
        self.httpStatus = httpStatus
        self.reason = reason
        self.vendorMessageID = vendorMessageID
        self.nextAttemptAt = nextAttemptAt
    }
}
