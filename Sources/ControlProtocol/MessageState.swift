/// A state a message can be in or pass through, as `status` shows it and `subscribe` streams it
/// (docs/protocol.md, "States"): the one list `gatewayctl tail --state` and the `subscribe` filter check names
/// against, so a misspelt state is refused instead of matching nothing forever.
public enum MessageState: String, CaseIterable, Sendable {
    /// Accepted and waiting for its turn.
    case queued
    /// Accepted with a `not_before` (or a deferring cap) in the future.
    case deferred
    /// Not sent: an opt-out or a frequency cap.
    case suppressed
    /// An attempt failed and another is due.
    case retrying
    /// The vendor took it.
    case sent
    /// Failed for good.
    case failed
    /// Failed here for a vendor-side reason and moved to the instance's backup.
    case failedOver = "failed_over"
    /// Its `not_after` passed before it could be sent.
    case expired
    /// An operator's `cancel` took it out before it reached the vendor.
    case cancelled
    // Receipts.
    case delivered, answered
    case noAnswer = "no_answer"
    case busy
    case invalidNumber = "invalid_number"
    case refused
    // Engagement.
    case opened, clicked

    /// Every state's wire name, in declaration order.
    public static var names: [String] { allCases.map(\.rawValue) }
}
