import ChannelKit
import GatewayConfig
import GatewayTransport

/// The delivery policy of one instance as a pure function: given how a send ended, what happens to each message
/// it carried (sent, retried with backoff, resent with a fresh token, expired, failed over, held for a send
/// check), returned as ``DeliveryAction``s for the dispatcher thread to execute.
///
/// It reads no clock and does no I/O: time comes in as `now`, randomness (backoff jitter) as a generator, so
/// tests drive it with a manual clock and fixed draws. Actions are appended to a buffer the caller reuses: the
/// success path costs no allocation.
///
/// | the send ended with | each message |
/// |---|---|
/// | `accepted` | ``DeliveryAction/complete(message:_:)`` sent (and a call slot held, if calls are limited) |
/// | `reject` | failed, or failed over when the reason is the vendor's and a backup is active |
/// | `retry` | queued again after the backoff (`Retry-After` a floor); failed after the last attempt; expired when `not_after` comes first |
/// | `retry(auth_expired)` with a token | the token refreshed and the message resent at once, once |
/// | `partial` | each recipient's own outcome; a recipient the reply does not name is retried |
/// | no readable reply | ``TransportFailureVerdict``: sent, retried, or (no answer) asked about, resent or failed |
struct DeliveryDecision {
    /// The instance's name, for the attempt records.
    var instance: String
    var retryPolicy: RetryPolicy
    var onAmbiguous: AmbiguousOutcomePolicy
    /// Whether an unanswered single send is checked with the vendor before any resend.
    var checksUnansweredSends: Bool
    /// The backup instance failed messages move to, when one is configured and active.
    var backup: String?
    /// How long a placed call holds its slot, when the instance limits calls in progress.
    var callSlotTimeout: Int64?
    /// Wall-clock epoch milliseconds.
    var now: Int64

    /// Vendor-side reasons move a message to the backup; recipient- and content-side ones never do.
    static let failoverCategories: Set<ReasonCategory> = [.throttled, .vendorUnavailable, .authExpired, .quotaExceeded]

    // MARK: - A reply the adapter read

    /// Applies an adapter's outcome to every message of a request: a `.partial` outcome per recipient (a
    /// recipient it does not name is retried), any other outcome to all of them.
    /// - Parameters:
    ///   - accessToken: the access token the request carried, if any (refreshed once when the vendor calls it expired).
    func resolve(
        _ outcome: SendOutcome, group: [StoredMessage], startedAt: Int64, httpStatus: Int?, accessToken: Secret?,
        random: inout some RandomNumberGenerator, into actions: inout [DeliveryAction]
    ) {
        if case .retry(let reason, _) = outcome, reason.category == .authExpired, let accessToken {
            // The vendor refused the token: drop it and send each message once more, at once, with a fresh one
            // (no attempt counted). A message refused again takes the normal retry path.
            actions.append(.refreshToken(invalidating: accessToken))
            for (index, stored) in group.enumerated() {
                if stored.tokenRetried {
                    resolveOne(
                        outcome, message: index, of: group, startedAt: startedAt, httpStatus: httpStatus,
                        random: &random, into: &actions)
                } else {
                    actions.append(.resendWithFreshToken(message: index))
                }
            }
            return
        }
        if case .partial(let outcomes) = outcome {
            var byRecipient: [String: SendOutcome] = [:]
            for entry in outcomes { byRecipient[entry.recipient] = entry.outcome }
            for (index, stored) in group.enumerated() {
                var mine = byRecipient[stored.message.recipient]
                if mine == nil && group.count == 1 { mine = outcomes.first?.outcome }
                resolveOne(
                    Self.share(mine), message: index, of: group, startedAt: startedAt, httpStatus: httpStatus,
                    random: &random, into: &actions)
            }
            return
        }
        for index in group.indices {
            resolveOne(
                outcome, message: index, of: group, startedAt: startedAt, httpStatus: httpStatus, random: &random,
                into: &actions)
        }
    }

    /// One recipient's share of a `.partial` outcome: never itself partial, and a retry when the reply is silent.
    private static func share(_ outcome: SendOutcome?) -> SendOutcome {
        switch outcome {
        case .partial?: .retry(Reason(.unknown, detail: "nested partial outcome"))
        case let outcome?: outcome
        case nil: .retry(Reason(.unknown, detail: "the vendor's reply did not name this recipient"))
        }
    }

    /// - Parameter ambiguous: the attempt's request went out and got no answer; recorded as `ambiguous`.
    private func resolveOne(
        _ outcome: SendOutcome, message index: Int, of group: [StoredMessage], startedAt: Int64, httpStatus: Int?,
        ambiguous: Bool = false, random: inout some RandomNumberGenerator, into actions: inout [DeliveryAction]
    ) {
        let stored = group[index]
        let attempt = stored.attempts + 1
        switch outcome {
        case .accepted(let vendorMessageID):
            actions.append(.vendorSucceeded)
            if let callSlotTimeout, let vendorMessageID {
                // The call is placed, not over: its slot is held until its result arrives or lapses.
                actions.append(.holdCallSlot(vendorMessageID: vendorMessageID, until: now + callSlotTimeout))
            }
            finish(
                index, of: group, attempt: attempt, startedAt: startedAt, outcome: .sent, state: .sent,
                httpStatus: httpStatus, vendorMessageID: vendorMessageID, into: &actions)
        case .reject(let reason):
            actions.append(.vendorFailed(reason))
            finish(
                index, of: group, attempt: attempt, startedAt: startedAt, outcome: .failed, state: .failed,
                httpStatus: httpStatus, reason: reason, into: &actions)
        case .retry(let reason, let after):
            actions.append(.vendorFailed(reason))
            guard retryPolicy.allowsRetry(after: attempt) else {
                finish(
                    index, of: group, attempt: attempt, startedAt: startedAt,
                    outcome: ambiguous ? .ambiguous : .failed, state: .failed, httpStatus: httpStatus,
                    reason: Reason(
                        reason.category, vendorCode: reason.vendorCode,
                        detail: "\(reason.detail ?? reason.category.name) (after \(attempt) attempts)"),
                    into: &actions)
                return
            }
            let delay = retryPolicy.delayMilliseconds(
                after: attempt, unitRandom: Double.random(in: 0..<1, using: &random), vendorFloor: after)
            if let notAfter = stored.notAfter, now + delay > notAfter {
                // The next attempt would come too late: expire now rather than hold a timer for nothing.
                finish(
                    index, of: group, attempt: attempt, startedAt: startedAt, outcome: .expired, state: .expired,
                    httpStatus: httpStatus,
                    reason: Reason(
                        reason.category, vendorCode: reason.vendorCode,
                        detail:
                            "not_after passes before the next attempt; last: \(reason.detail ?? reason.category.name)"
                    ),
                    into: &actions)
                return
            }
            actions.append(
                .retry(
                    message: index,
                    AttemptRecord(
                        sequence: stored.sequence, channel: instance, attempt: attempt, startedAt: startedAt,
                        finishedAt: now, outcome: ambiguous ? .ambiguous : .retry, state: .queued,
                        httpStatus: httpStatus, reason: reason, nextAttemptAt: now + delay)))
        case .partial(let outcomes):
            // Only reachable for a nested outcome: resolve it as a request of this one message.
            let mine = outcomes.last { $0.recipient == stored.message.recipient }?.outcome ?? outcomes.first?.outcome
            resolveOne(
                Self.share(mine), message: index, of: group, startedAt: startedAt, httpStatus: httpStatus,
                ambiguous: ambiguous, random: &random, into: &actions)
        }
    }

    // MARK: - No readable reply

    /// Applies the verdict on a request that got no readable reply (``TransportFailureVerdict``) to every message
    /// it carried.
    func transportFailed(
        _ error: TransportError, group: [StoredMessage], startedAt: Int64, random: inout some RandomNumberGenerator,
        into actions: inout [DeliveryAction]
    ) {
        switch TransportFailureVerdict(error, onAmbiguous: onAmbiguous) {
        case .acceptedUnreadable(let reason):
            actions.append(.noteUnreadableReply(reason, messages: group.count))
            for (index, stored) in group.enumerated() {
                finish(
                    index, of: group, attempt: stored.attempts + 1, startedAt: startedAt, outcome: .sent, state: .sent,
                    httpStatus: error.responseStatus, reason: reason, into: &actions)
            }
        case .retry(let reason):
            for index in group.indices {
                resolveOne(
                    .retry(reason), message: index, of: group, startedAt: startedAt, httpStatus: error.responseStatus,
                    random: &random, into: &actions)
            }
        case .ambiguous(let reason, let resend):
            actions.append(.countAmbiguous(messages: group.count))
            for (index, stored) in group.enumerated() {
                // Only a single send carries the message's own id for the vendor to find it by.
                if group.count == 1, checksUnansweredSends {
                    askBeforeResending(
                        index, of: group, startedAt: startedAt, cause: error.reason, random: &random, into: &actions)
                } else if resend {
                    resolveOne(
                        .retry(reason), message: index, of: group, startedAt: startedAt, httpStatus: nil,
                        ambiguous: true, random: &random, into: &actions)
                } else {
                    finish(
                        index, of: group, attempt: stored.attempts + 1, startedAt: startedAt, outcome: .ambiguous,
                        state: .failed, reason: reason, mayFailOver: false, into: &actions)
                }
            }
        }
    }

    /// Records an unanswered send and holds the message until its next attempt time, when the vendor is asked
    /// whether it took it instead of being sent it again.
    private func askBeforeResending(
        _ index: Int, of group: [StoredMessage], startedAt: Int64, cause: Reason,
        random: inout some RandomNumberGenerator, into actions: inout [DeliveryAction]
    ) {
        let stored = group[index]
        let attempt = stored.attempts + 1
        // At least a second: the vendor's records of a send may lag its acceptance.
        let delay = max(
            1_000, retryPolicy.delayMilliseconds(after: attempt, unitRandom: Double.random(in: 0..<1, using: &random)))
        let detail = "sent, no answer (\(cause.detail ?? cause.category.name)): asking the vendor before any resend"
        actions.append(
            .askBeforeResending(
                message: index,
                AttemptRecord(
                    sequence: stored.sequence, channel: instance, attempt: attempt, startedAt: startedAt,
                    finishedAt: now, outcome: .ambiguous, state: .queued,
                    reason: Reason(cause.category, detail: detail),
                    nextAttemptAt: now + delay)))
    }

    // MARK: - The vendor's answer about an unanswered send

    /// Acts on the vendor's answer about an unanswered send (message 0 of `group`): it has it (sent, never
    /// resent), it has no record (resend, as nothing can be duplicated), or it cannot say (`on_ambiguous`).
    func sendChecked(_ check: SendCheck, group: [StoredMessage], into actions: inout [DeliveryAction]) {
        let stored = group[0]
        let sentAt = stored.unansweredSendAt ?? stored.nextAttemptAt
        switch check {
        case .accepted(let vendorMessageID):
            actions.append(.countSendCheck(.found))
            finish(
                0, of: group, attempt: stored.attempts, startedAt: sentAt, outcome: .sent, state: .sent,
                reason: Reason(.unknown, detail: "sent, no answer; the vendor has it: not resent"),
                vendorMessageID: vendorMessageID, into: &actions)
        case .notFound:
            actions.append(.countSendCheck(.notFound))
            guard retryPolicy.allowsRetry(after: stored.attempts) else {
                // The vendor has no record of it, so moving it to the backup cannot duplicate it.
                finish(
                    0, of: group, attempt: stored.attempts, startedAt: sentAt, outcome: .failed, state: .failed,
                    reason: Reason(
                        .vendorUnavailable,
                        detail: "sent, no answer; the vendor has no record of it (after \(stored.attempts) attempts)"),
                    into: &actions)
                return
            }
            actions.append(.reschedule(message: 0, at: now))
        case .unknown(let reason):
            actions.append(.countSendCheck(.unknown))
            let cause = reason.detail ?? reason.category.name
            guard onAmbiguous == .retry, retryPolicy.allowsRetry(after: stored.attempts) else {
                let ending =
                    onAmbiguous == .retry
                    ? "(after \(stored.attempts) attempts)" : "not resent (on_ambiguous: fail)"
                finish(
                    0, of: group, attempt: stored.attempts, startedAt: sentAt, outcome: .ambiguous, state: .failed,
                    reason: Reason(
                        .vendorUnavailable, detail: "sent, no answer; the vendor could not say (\(cause)): \(ending)"),
                    mayFailOver: false, into: &actions)
                return
            }
            actions.append(.reschedule(message: 0, at: now))
        }
    }

    // MARK: - Before a send

    /// A message whose `not_after` passed before it could start: expired with no attempt.
    func expired(_ group: [StoredMessage], into actions: inout [DeliveryAction]) {
        for (index, stored) in group.enumerated() {
            finish(
                index, of: group, attempt: stored.attempts, startedAt: now, outcome: .expired, state: .expired,
                reason: Reason(.unknown, detail: "not_after passed before it could be sent"), into: &actions)
        }
    }

    /// Messages the adapter could not build a request for: failed, without a send.
    func unbuildable(_ problem: String, group: [StoredMessage], into actions: inout [DeliveryAction]) {
        for (index, stored) in group.enumerated() {
            finish(
                index, of: group, attempt: stored.attempts + 1, startedAt: now, outcome: .failed, state: .failed,
                reason: Reason(.contentRejected, detail: problem), into: &actions)
        }
    }

    // MARK: - Ending an attempt

    /// - Parameter mayFailOver: false when moving the message to the backup would resend what the vendor may have.
    private func finish(
        _ index: Int, of group: [StoredMessage], attempt: Int, startedAt: Int64, outcome: AttemptRecord.Outcome,
        state: AttemptRecord.State, httpStatus: Int? = nil, reason: Reason? = nil, vendorMessageID: String? = nil,
        mayFailOver: Bool = true, into actions: inout [DeliveryAction]
    ) {
        let stored = group[index]
        if state == .failed, mayFailOver, let reason, let backup, stored.failedOverFrom == nil,
            Self.failoverCategories.contains(reason.category)
        {
            actions.append(
                .failOver(
                    message: index, to: backup,
                    AttemptRecord(
                        sequence: stored.sequence, channel: instance, attempt: attempt, startedAt: startedAt,
                        finishedAt: now, outcome: .failedOver, state: .queued, httpStatus: httpStatus, reason: reason)))
            return
        }
        actions.append(
            .complete(
                message: index,
                AttemptRecord(
                    sequence: stored.sequence, channel: instance, attempt: attempt, startedAt: startedAt,
                    finishedAt: now, outcome: outcome, state: state, httpStatus: httpStatus, reason: reason,
                    vendorMessageID: vendorMessageID, recipient: stored.message.recipient)))
    }
}
