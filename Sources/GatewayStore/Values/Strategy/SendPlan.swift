/// A `send` step as the engine prepared it: candidates in preference order, each an ordinary accept, and what
/// the run does after each admission outcome (already interpreted up to the next send or wait).
///
/// The store tries the candidates with the same admission as every send (opt-outs, caps shared with all other
/// traffic, quiet hours in the customer's zone): the first admitted now is inserted and the run follows
/// `onSent`; if none is admitted now but one is later (quiet hours, a deferred cap), nothing is inserted and the
/// run stays on `step` with a `deferred` timer at that time; if all are suppressed it follows `onSuppressed`.
public struct SendPlan: Sendable {
    /// One way to send the step.
    public struct Candidate: Sendable {
        public var accept: AcceptRequest
        public var instance: String
        public var channelType: String

        public init(accept: AcceptRequest, instance: String, channelType: String) {
            self.accept = accept
            self.instance = instance
            self.channelType = channelType
        }
    }

    public var step: String
    public var candidates: [Candidate]
    /// Why there is no candidate at all (`no_address`, `missing_attribute`, `no_channel`), if so.
    public var unavailable: String?
    public var onSent: RunContinuation
    public var onSuppressed: RunContinuation
    /// Spread added to a deferral (0 ..< spread ms, deterministic per run) so a window opening is not a burst.
    public var deferralSpread: Int64

    public init(
        step: String, candidates: [Candidate], unavailable: String? = nil, onSent: RunContinuation,
        onSuppressed: RunContinuation, deferralSpread: Int64 = 0
    ) {
        self.step = step
        self.candidates = candidates
        self.unavailable = unavailable
        self.onSent = onSent
        self.onSuppressed = onSuppressed
        self.deferralSpread = deferralSpread
    }
}
