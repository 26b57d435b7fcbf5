import ControlProtocol
import GatewayConfig
import GatewayStore

/// What the step interpreter knows besides the definition and the run: the time, the gateway's zone, the
/// instances usable now, affinity settings, and how a send is turned into an accept.
///
/// Building the accept is handed in because it is the `send` operation's own validation
/// (``SendValidator``: instance, template, adapter check, tracked links, message id); tests pass a plain one.
struct InterpreterContext: Sendable {
    /// Epoch ms.
    var now: Int64
    /// The gateway's `timezone`: `wait: {until}` uses it for customers without a zone of their own.
    var timeZone: String
    var instances: ChannelChooser.Instances
    var affinity: AffinitySettings
    /// Spread added to a quiet-hours deferral (ms), passed on in each ``SendPlan``.
    var deferralSpread: Int64
    /// The accept for one send to one instance, or `nil` when the send validation refuses it.
    var makeAccept: @Sendable (SendRequest) -> AcceptRequest?

    init(
        now: Int64, timeZone: String = "Asia/Shanghai", instances: ChannelChooser.Instances,
        affinity: AffinitySettings = AffinitySettings(), deferralSpread: Int64 = 600_000,
        makeAccept: @escaping @Sendable (SendRequest) -> AcceptRequest?
    ) {
        self.now = now
        self.timeZone = timeZone
        self.instances = instances
        self.affinity = affinity
        self.deferralSpread = deferralSpread
        self.makeAccept = makeAccept
    }
}
