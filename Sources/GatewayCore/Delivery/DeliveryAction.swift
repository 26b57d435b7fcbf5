import ChannelKit

/// One step the dispatcher thread takes after a send ends, as ``DeliveryDecision`` decided it.
///
/// `message` is the index of the message in the request's group. Steps for a group come in order; the
/// dispatcher applies them to the instance's queues, token cache and call slots, the attempt records and, under
/// one lock per request, the counters.
enum DeliveryAction {
    /// Drop the access token the vendor refused, so the next send fetches a fresh one (once per request).
    case refreshToken(invalidating: Secret)
    /// Send the message once more, now, with a fresh token: no attempt is counted or recorded.
    case resendWithFreshToken(message: Int)
    /// The message's attempt ended for good (`record.state` is sent, failed or expired): record and count it.
    case complete(message: Int, AttemptRecord)
    /// Record the attempt (`retry`, or `ambiguous` when resent after no answer) and queue the message again for
    /// `record.nextAttemptAt`, as attempt `record.attempt`.
    case retry(message: Int, AttemptRecord)
    /// The send went out with no answer: record it and hold the message until `record.nextAttemptAt`, then ask
    /// the vendor whether it took it before any resend.
    case askBeforeResending(message: Int, AttemptRecord)
    /// After a send check that allows a resend: queue the message again for `at`, its attempts unchanged and
    /// nothing recorded.
    case reschedule(message: Int, at: Int64)
    /// Move the message to the backup instance `to`, recording this attempt as `failed_over`.
    case failOver(message: Int, to: String, AttemptRecord)
    /// A placed call holds one of the instance's call slots until its result arrives or `until` passes.
    case holdCallSlot(vendorMessageID: String, until: Int64)
    /// The vendor took a message (instance health).
    case vendorSucceeded
    /// The vendor refused or failed a message (instance health counts only vendor-side reasons).
    case vendorFailed(Reason)
    /// `messages` went out in a request that got no answer.
    case countAmbiguous(messages: Int)
    /// A 2xx whose body could not be read: `messages` are recorded as sent (logged once per request).
    case noteUnreadableReply(Reason, messages: Int)
    /// The vendor's answer to "did you take this unanswered send?" (the `send_checks` counter key).
    case countSendCheck(SendCheckAnswer)

    /// The key under which ``countSendCheck(_:)`` counts an answer.
    enum SendCheckAnswer: String {
        case found
        case notFound = "not_found"
        case unknown
    }
}
