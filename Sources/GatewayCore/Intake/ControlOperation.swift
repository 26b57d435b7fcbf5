/// The operations the control socket takes (docs/protocol.md): the one list ``ControlService`` dispatches on and
/// an `unknown_op` answer names, so neither can forget an operation the other has.
enum ControlOperation: String, CaseIterable, Sendable {
    case send
    case sendBatch = "send_batch"
    case status, stats, channels, health, reload, optout, optin, consent, event, report, subscribe
    case cancel, requeue, pause, resume
    case consentExport = "consent_export"

    /// Every operation's wire name, in declaration order, for messages and documentation checks.
    static var names: [String] { allCases.map(\.rawValue) }
}
