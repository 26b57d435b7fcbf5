import ChannelKit
import GatewayConfig
import GatewayCore
import GatewayTransport
import Testing

/// The core's reading of a request that got no readable reply, the same for every adapter.
struct TransportFailureVerdictTests {
    private static func error(
        _ base: TransportError, sent: Bool, status: Int? = nil
    ) -> TransportError {
        var error = base
        error.requestSent = sent
        error.responseStatus = status
        return error
    }

    @Test(arguments: [TransportError.connectFailed, .resolveFailed, .tls, .timedOut, .connectionReset])
    func nothingSentIsRetriedFreely(_ base: TransportError) {
        let error = Self.error(base, sent: false)
        for policy in [AmbiguousOutcomePolicy.retry, .fail] {
            #expect(TransportFailureVerdict(error, onAmbiguous: policy) == .retry(error.reason))
        }
    }

    @Test(arguments: [TransportError.timedOut, .connectionReset, .other])
    func sentWithNoAnswerFollowsThePolicy(_ base: TransportError) {
        let error = Self.error(base, sent: true)
        guard case .ambiguous(let retried, resend: true) = TransportFailureVerdict(error, onAmbiguous: .retry) else {
            Issue.record("on_ambiguous: retry should resend")
            return
        }
        #expect(retried.category == error.reason.category)
        #expect(retried.detail?.hasPrefix("sent, no answer") == true)
        guard case .ambiguous(let failed, resend: false) = TransportFailureVerdict(error, onAmbiguous: .fail) else {
            Issue.record("on_ambiguous: fail should not resend")
            return
        }
        #expect(failed.detail?.hasSuffix("not resent (on_ambiguous: fail)") == true)
    }

    @Test(arguments: [200, 201, 202, 299])
    func a2xxWithAnUnreadableBodyIsAccepted(_ status: Int) {
        var error = Self.error(.responseTooLarge, sent: true, status: status)
        error.reason = Reason(.unknown, detail: "body over 1048576 bytes")
        for policy in [AmbiguousOutcomePolicy.retry, .fail] {
            #expect(
                TransportFailureVerdict(error, onAmbiguous: policy)
                    == .acceptedUnreadable(
                        Reason(.unknown, detail: "2xx with unreadable reply: body over 1048576 bytes"))
            )
        }
    }

    @Test(arguments: [199, 300, 429, 500, 503])
    func aNon2xxWithAnUnreadableBodyIsRetriedAsBefore(_ status: Int) {
        let error = Self.error(.responseTooLarge, sent: true, status: status)
        #expect(TransportFailureVerdict(error, onAmbiguous: .fail) == .retry(error.reason))
    }

    @Test func aShutdownIsNeverAmbiguous() {
        #expect(
            TransportFailureVerdict(.shuttingDown, onAmbiguous: .fail) == .retry(TransportError.shuttingDown.reason))
    }
}
