public import ChannelKit
public import GatewayConfig
public import GatewayTransport

/// What the core makes of a vendor request that ended without a readable reply: a pure function of the
/// transport's error and the instance's `on_ambiguous` policy, kept apart from the dispatcher thread that
/// applies it, and the same for every adapter.
///
/// | the transport saw | verdict |
/// |---|---|
/// | a 2xx status line, then a body it could not read (too large, cut off, too slow) | ``acceptedUnreadable(_:)`` |
/// | nothing written: refused, unresolved, TLS failed, timed out connecting | ``retry(_:)``: a resend cannot duplicate |
/// | a non-2xx status line, then an unreadable body | ``retry(_:)``: the vendor answered, and not with a yes |
/// | the request written, no status line back (timeout, reset, nothing) | ``ambiguous(_:resend:)`` |
public enum TransportFailureVerdict: Sendable, Hashable {
    /// The vendor accepted the request but its reply cannot be read: sent, with no vendor id, never resent.
    case acceptedUnreadable(Reason)
    /// The vendor cannot have acted on the request, or refused it: the ordinary retry path.
    case retry(Reason)
    /// The vendor may have accepted the request. `resend` is the instance's `on_ambiguous: retry`; otherwise the
    /// message fails here without a resend (and without failing over, which would resend it elsewhere).
    case ambiguous(Reason, resend: Bool)

    /// - Parameters:
    ///   - error: how the transfer ended.
    ///   - onAmbiguous: the instance's `on_ambiguous` policy.
    public init(_ error: TransportError, onAmbiguous: AmbiguousOutcomePolicy) {
        let cause = error.reason.detail ?? error.reason.category.name
        if error.isUnreadableSuccess {
            // The status itself goes in the attempt's http_status; the fixed wording is for searching.
            self = .acceptedUnreadable(Reason(.unknown, detail: "2xx with unreadable reply: \(cause)"))
        } else if error.isAmbiguous {
            let resend = onAmbiguous == .retry
            let detail =
                resend
                ? "sent, no answer (\(cause))"
                : "sent, no answer (\(cause)): not resent (on_ambiguous: fail)"
            self = .ambiguous(Reason(error.reason.category, detail: detail), resend: resend)
        } else {
            self = .retry(error.reason)
        }
    }
}
