public import GatewayJSON

/// The operations the control socket takes (docs/protocol.md): the one list the core dispatches on, an
/// `unknown_op` answer names and the documentation check compares, so none can forget an operation another has.
public enum ControlOperation: String, CaseIterable, Sendable {
    case send
    case sendBatch = "send_batch"
    case status, stats, channels, health, reload, optout, optin, consent, event, report, subscribe
    case cancel, requeue, pause, resume
    case consentExport = "consent_export"
    case customer
    case customerBatch = "customer_batch"
    case customerShow = "customer_show"
    case forget
    case enrol
    case enrolBatch = "enrol_batch"
    case exit, runs, strategies
    case nodes

    /// Every operation's wire name, in declaration order, for messages and documentation checks.
    public static var names: [String] { allCases.map(\.rawValue) }

    /// Reads the `op` of a request object.
    public init(of members: [String: JSONValue]) throws(ControlError) {
        guard let value = members["op"] else { throw .badRequest("missing field 'op'", field: "op") }
        guard case .string(let op) = value else { throw .badRequest("'op' must be a string", field: "op") }
        guard let operation = ControlOperation(rawValue: op) else { throw .unknownOperation(op) }
        self = operation
    }

    /// Whether a read-only peer may use it (docs/protocol.md, "Access"); anything added later needs full access
    /// unless listed here.
    public var isRead: Bool {
        switch self {
        case .status, .stats, .subscribe, .channels, .health, .consent, .consentExport, .report, .customerShow: true
        case .send, .sendBatch, .reload, .optout, .optin, .event, .cancel, .requeue, .pause, .resume: false
        case .customer, .customerBatch, .forget: false
        case .runs, .strategies: true
        case .enrol, .enrolBatch, .exit: false
        case .nodes: true
        }
    }
}
