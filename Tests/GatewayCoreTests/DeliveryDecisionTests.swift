import ChannelKit
import GatewayConfig
import Testing

@testable import GatewayCore
@testable import GatewayTransport

/// The delivery policy as a pure function: an outcome in, actions out, with a manual clock (`now`) and a fixed
/// jitter draw, no thread and no I/O (the way async-http-client tests its connection-pool state machine).
struct DeliveryDecisionTests {
    /// Always draws 0.5 (the standard library reads the low 53 bits): the backoff is half its ceiling.
    struct HalfRandom: RandomNumberGenerator {
        mutating func next() -> UInt64 { 1 << 52 }
    }

    static let now: Int64 = 1_700_000_000_000

    static func decision(
        attempts: Int = 3, backup: String? = nil, checksUnansweredSends: Bool = false,
        onAmbiguous: AmbiguousOutcomePolicy = .retry, callSlotTimeout: Int64? = nil
    ) -> DeliveryDecision {
        DeliveryDecision(
            instance: "a",
            retryPolicy: RetryPolicy(attempts: attempts, initialBackoff: .seconds(1), maxBackoff: .seconds(300)),
            onAmbiguous: onAmbiguous, checksUnansweredSends: checksUnansweredSends, backup: backup,
            callSlotTimeout: callSlotTimeout, now: now)
    }

    static func message(
        _ sequence: Int64, to recipient: String = "u", template: String? = "T", attempts: Int = 0,
        notAfter: Int64? = nil
    ) -> StoredMessage {
        StoredMessage(
            sequence: sequence,
            message: OutboundMessage(id: "m\(sequence)", channel: "a", recipient: recipient, template: template),
            notAfter: notAfter, attempts: attempts, nextAttemptAt: 0)
    }

    /// The actions in a form that reads like the policy table.
    static func steps(_ actions: [DeliveryAction]) -> [String] {
        actions.map { action in
            switch action {
            case .refreshToken(let token): "refresh token \(token.reveal())"
            case .resendWithFreshToken(let message): "resend \(message) with a fresh token"
            case .complete(let message, let record):
                "complete \(message): \(record.state.rawValue) (\(record.outcome.rawValue), attempt \(record.attempt))"
            case .retry(let message, let record):
                "retry \(message): \(record.outcome.rawValue) attempt \(record.attempt), next in \(record.nextAttemptAt - now) ms"
            case .askBeforeResending(let message, let record):
                "ask before resending \(message): attempt \(record.attempt), in \(record.nextAttemptAt - now) ms"
            case .reschedule(let message, let at): "reschedule \(message) in \(at - now) ms"
            case .failOver(let message, let backup, let record):
                "fail over \(message) to \(backup) (\(record.outcome.rawValue), \(record.state.rawValue))"
            case .holdCallSlot(let id, let until): "hold call slot \(id) for \(until - now) ms"
            case .vendorSucceeded: "vendor ok"
            case .vendorFailed(let reason): "vendor failed \(reason.category.name)"
            case .countAmbiguous(let messages): "ambiguous \(messages)"
            case .noteUnreadableReply(_, let messages): "unreadable reply \(messages)"
            case .countSendCheck(let answer): "send check \(answer.rawValue)"
            }
        }
    }

    static func resolve(
        _ outcome: SendOutcome, _ group: [StoredMessage], token: Secret? = nil,
        decision: DeliveryDecision = decision()
    ) -> [DeliveryAction] {
        var random = HalfRandom()
        var actions: [DeliveryAction] = []
        decision.resolve(
            outcome, group: group, startedAt: now - 50, httpStatus: 200, accessToken: token, random: &random,
            into: &actions)
        return actions
    }

    // MARK: - Auth retry

    @Test func aRefusedTokenIsRefreshedAndEachMessageResentOnceWithoutAnAttempt() {
        var second = Self.message(2, to: "v")
        second.tokenRetried = true
        let actions = Self.resolve(
            .retry(Reason(.authExpired, vendorCode: "42001")), [Self.message(1), second], token: Secret("tok-1"))
        #expect(
            Self.steps(actions) == [
                "refresh token tok-1",
                "resend 0 with a fresh token",
                // Refused again after its fresh-token resend: the ordinary retry path.
                "vendor failed auth_expired",
                "retry 1: retry attempt 1, next in 500 ms",
            ])
    }

    @Test func anAuthFailureWithoutATokenIsAnOrdinaryRetry() {
        let actions = Self.resolve(.retry(Reason(.authExpired)), [Self.message(1)])
        #expect(Self.steps(actions) == ["vendor failed auth_expired", "retry 0: retry attempt 1, next in 500 ms"])
    }

    // MARK: - Partial outcomes

    @Test func aPartialOutcomeGivesEachRecipientItsOwnAndRetriesTheUnnamed() throws {
        let group = [Self.message(1, to: "a"), Self.message(2, to: "b"), Self.message(3, to: "c")]
        let actions = Self.resolve(
            .partial([
                RecipientOutcome(recipient: "a", outcome: .accepted(vendorMessageID: "v1")),
                RecipientOutcome(recipient: "b", outcome: .reject(Reason(.invalidRecipient, vendorCode: "81013"))),
            ]), group)
        #expect(
            Self.steps(actions) == [
                "vendor ok", "complete 0: sent (sent, attempt 1)",
                "vendor failed invalid_recipient", "complete 1: failed (failed, attempt 1)",
                "vendor failed unknown", "retry 2: retry attempt 1, next in 500 ms",
            ])
        guard case .complete(_, let sent) = actions[1], case .retry(_, let retried) = actions[5] else {
            Issue.record("unexpected actions")
            return
        }
        #expect(sent.vendorMessageID == "v1")
        #expect(sent.recipient == "a")
        #expect(retried.reason?.detail == "the vendor's reply did not name this recipient")
    }

    @Test func aLoneMessageTakesTheOnlyOutcomeOfAPartialReply() {
        let actions = Self.resolve(
            .partial([RecipientOutcome(recipient: "+86 138", outcome: .accepted(vendorMessageID: "v"))]),
            [Self.message(1, to: "13800000000")])
        #expect(Self.steps(actions) == ["vendor ok", "complete 0: sent (sent, attempt 1)"])
    }

    // MARK: - Backoff

    @Test(
        arguments: [
            // (attempts so far, Retry-After seconds, expected wait): half the ceiling 1s, 2s, 4s, 8s, ...; the vendor's
            // Retry-After is a floor, never a cap.
            (0, nil, 500), (1, nil, 1_000), (2, nil, 2_000), (3, nil, 4_000), (8, nil, 128_000), (12, nil, 150_000),
            (0, 10, 10_000), (2, 3, 3_000), (3, 3, 4_000),
        ] as [(Int, Int?, Int64)])
    func theBackoffScheduleHasTheVendorsRetryAfterAsAFloor(attempts: Int, retryAfter: Int?, wait: Int64) {
        let actions = Self.resolve(
            .retry(Reason(.throttled), after: retryAfter.map { .seconds($0) }), [Self.message(1, attempts: attempts)],
            decision: Self.decision(attempts: 20))
        #expect(Self.steps(actions).last == "retry 0: retry attempt \(attempts + 1), next in \(wait) ms")
    }

    @Test func theLastAttemptFailsWithTheCountInItsReason() throws {
        let actions = Self.resolve(.retry(Reason(.throttled, detail: "slow down")), [Self.message(1, attempts: 2)])
        #expect(Self.steps(actions) == ["vendor failed throttled", "complete 0: failed (failed, attempt 3)"])
        guard case .complete(_, let record) = actions[1] else { return }
        #expect(record.reason?.detail == "slow down (after 3 attempts)")
    }

    // MARK: - Expiry

    @Test func aRetryThatWouldComeAfterNotAfterExpiresNow() {
        let actions = Self.resolve(
            .retry(Reason(.vendorUnavailable, detail: "503")), [Self.message(1, notAfter: Self.now + 400)])
        #expect(
            Self.steps(actions) == ["vendor failed vendor_unavailable", "complete 0: expired (expired, attempt 1)"])
        guard case .complete(_, let record) = actions[1] else { return }
        #expect(record.reason?.detail == "not_after passes before the next attempt; last: 503")
        // With time left for the next attempt, it is retried.
        let later = Self.resolve(.retry(Reason(.vendorUnavailable)), [Self.message(1, notAfter: Self.now + 500)])
        #expect(Self.steps(later).last == "retry 0: retry attempt 1, next in 500 ms")
    }

    @Test func aMessagePastNotAfterBeforeItsSendExpiresWithoutAnAttempt() {
        var actions: [DeliveryAction] = []
        Self.decision().expired([Self.message(1, attempts: 1, notAfter: Self.now - 1)], into: &actions)
        #expect(Self.steps(actions) == ["complete 0: expired (expired, attempt 1)"])
    }

    // MARK: - Failover

    @Test func aVendorSideFailureMovesToTheActiveBackupOnce() {
        let decision = Self.decision(backup: "b")
        let refused = Self.resolve(.reject(Reason(.quotaExceeded)), [Self.message(1)], decision: decision)
        #expect(Self.steps(refused) == ["vendor failed quota_exceeded", "fail over 0 to b (failed_over, queued)"])
        // Retries spent: also moved.
        let spent = Self.resolve(.retry(Reason(.vendorUnavailable)), [Self.message(1, attempts: 2)], decision: decision)
        #expect(Self.steps(spent).last == "fail over 0 to b (failed_over, queued)")
        // A message that already failed over fails here.
        var moved = Self.message(1)
        moved.failedOverFrom = "z"
        let again = Self.resolve(.reject(Reason(.quotaExceeded)), [moved], decision: decision)
        #expect(Self.steps(again).last == "complete 0: failed (failed, attempt 1)")
        // Recipient- and content-side reasons never move.
        let recipient = Self.resolve(.reject(Reason(.invalidRecipient)), [Self.message(1)], decision: decision)
        #expect(Self.steps(recipient).last == "complete 0: failed (failed, attempt 1)")
        // Without an active backup, it fails.
        let alone = Self.resolve(.reject(Reason(.quotaExceeded)), [Self.message(1)])
        #expect(Self.steps(alone).last == "complete 0: failed (failed, attempt 1)")
    }

    @Test func anUnansweredSendIsNeverFailedOverWhenItIsNotResent() {
        var random = HalfRandom()
        var actions: [DeliveryAction] = []
        Self.decision(backup: "b", onAmbiguous: .fail).transportFailed(
            .timedOut(afterMilliseconds: 2_000), group: [Self.message(1)], startedAt: Self.now - 2_000,
            random: &random, into: &actions)
        #expect(Self.steps(actions) == ["ambiguous 1", "complete 0: failed (ambiguous, attempt 1)"])
    }

    // MARK: - No readable reply

    @Test func anUnansweredSingleSendIsCheckedWithTheVendorBeforeAnyResend() {
        var random = HalfRandom()
        var actions: [DeliveryAction] = []
        Self.decision(checksUnansweredSends: true).transportFailed(
            .timedOut(afterMilliseconds: 2_000), group: [Self.message(1)], startedAt: Self.now - 2_000,
            random: &random, into: &actions)
        // At least a second, so the vendor's records can catch up.
        #expect(Self.steps(actions) == ["ambiguous 1", "ask before resending 0: attempt 1, in 1000 ms"])
        guard case .askBeforeResending(_, let record) = actions[1] else { return }
        #expect(record.startedAt == Self.now - 2_000)
    }

    @Test func aTwoHundredWithAnUnreadableBodyIsSentAndNeverResent() {
        var random = HalfRandom()
        var actions: [DeliveryAction] = []
        Self.decision().transportFailed(
            .responseTooLarge(limit: 10, status: 200), group: [Self.message(1), Self.message(2, to: "v")],
            startedAt: Self.now, random: &random, into: &actions)
        #expect(
            Self.steps(actions) == [
                "unreadable reply 2", "complete 0: sent (sent, attempt 1)", "complete 1: sent (sent, attempt 1)",
            ])
    }

    @Test func theVendorsAnswerAboutAnUnansweredSendDecidesTheResend() {
        var unanswered = Self.message(1, attempts: 1)
        unanswered.unansweredSendAt = Self.now - 5_000
        var actions: [DeliveryAction] = []
        Self.decision().sendChecked(.accepted(vendorMessageID: "v"), group: [unanswered], into: &actions)
        #expect(Self.steps(actions) == ["send check found", "complete 0: sent (sent, attempt 1)"])
        actions.removeAll()
        Self.decision().sendChecked(.notFound, group: [unanswered], into: &actions)
        #expect(Self.steps(actions) == ["send check not_found", "reschedule 0 in 0 ms"])
        actions.removeAll()
        Self.decision(onAmbiguous: .fail).sendChecked(.unknown(Reason(.unknown)), group: [unanswered], into: &actions)
        #expect(Self.steps(actions) == ["send check unknown", "complete 0: failed (ambiguous, attempt 1)"])
    }

    // MARK: - Call slots

    @Test func aPlacedCallHoldsItsSlot() {
        let actions = Self.resolve(
            .accepted(vendorMessageID: "call-1"), [Self.message(1)], decision: Self.decision(callSlotTimeout: 300_000))
        #expect(
            Self.steps(actions) == [
                "vendor ok", "hold call slot call-1 for 300000 ms", "complete 0: sent (sent, attempt 1)",
            ])
    }

    // MARK: - Batching

    static func queue(_ messages: [StoredMessage]) -> PriorityQueue {
        var queue = PriorityQueue()
        queue.append(messages, wallNow: now)
        return queue
    }

    @Test func aBatchTakesTheFollowingMessagesWithTheSameKeyAndDistinctRecipients() {
        var queue = Self.queue((2...5).map { Self.message($0, to: "u\($0)") })
        let batch = DeliveryDecision.batch(
            from: Self.message(1, to: "u1"), queue: &queue, limit: 3, now: Self.now, key: \.template)
        #expect(batch.map(\.sequence) == [1, 2, 3])
        #expect(queue.peekReady()?.sequence == 4)
    }

    @Test func aBatchStopsAtADifferentKeyARepeatedRecipientOrAnExpiredMessage() {
        let first = Self.message(1, to: "u1")
        var otherKey = Self.queue([Self.message(2, to: "u2", template: "X"), Self.message(3, to: "u3")])
        #expect(
            DeliveryDecision.batch(from: first, queue: &otherKey, limit: 10, now: Self.now, key: \.template).count == 1)
        var repeated = Self.queue([Self.message(2, to: "u1"), Self.message(3, to: "u3")])
        #expect(
            DeliveryDecision.batch(from: first, queue: &repeated, limit: 10, now: Self.now, key: \.template).count == 1)
        var expired = Self.queue([Self.message(2, to: "u2"), Self.message(3, to: "u3", notAfter: Self.now - 1)])
        #expect(
            DeliveryDecision.batch(from: first, queue: &expired, limit: 10, now: Self.now, key: \.template).map(
                \.sequence) == [1, 2])
        // No key, or a batch size of one: never batched.
        var any = Self.queue([Self.message(2, to: "u2")])
        #expect(
            DeliveryDecision.batch(from: first, queue: &any, limit: 10, now: Self.now, key: { _ in nil }).count == 1)
        #expect(DeliveryDecision.batch(from: first, queue: &any, limit: 1, now: Self.now, key: \.template).count == 1)
        #expect(any.readyCount == 1)
    }
}
