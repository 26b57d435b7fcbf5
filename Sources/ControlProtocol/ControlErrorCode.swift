/// The `code` of an error answer: the one set the daemon answers with, `gatewayctl` reports and
/// docs/protocol.md lists (a test compares them).
public enum ControlErrorCode: String, Sendable, CaseIterable {
    case badJSON = "bad_json"
    case badRequest = "bad_request"
    case unknownOperation = "unknown_op"
    case unknownChannel = "unknown_channel"
    case invalidRecipient = "invalid_recipient"
    case tooLarge = "too_large"
    case overloaded
    case notFound = "not_found"
    case shuttingDown = "shutting_down"
    case internalError = "internal"
    case forbidden
    case reloadFailed = "reload_failed"
    case notCancellable = "not_cancellable"
    case conflict

    /// Every code's wire name, in declaration order.
    public static var names: [String] { allCases.map(\.rawValue) }
}
