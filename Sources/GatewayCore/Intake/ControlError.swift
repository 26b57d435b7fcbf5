import ChannelKit

/// An error answer on the control socket. The `code` set is part of the protocol (docs/protocol.md).
public struct ControlError: Error, Sendable, Hashable {
    private enum Code: String, Sendable, CaseIterable {
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
    }

    private let code: Code
    /// What is wrong, for a person.
    public let message: String
    /// The request field at fault, if any.
    public let field: String?

    private init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The stable wire code.
    public var codeName: String { code.rawValue }

    /// Every wire code the daemon answers with, for documentation checks.
    public static var codeNames: [String] { Code.allCases.map(\.rawValue) }

    static func badJSON(_ message: String) -> ControlError { ControlError(.badJSON, message) }
    static func badRequest(_ message: String, field: String?) -> ControlError {
        ControlError(.badRequest, message, field: field)
    }
    static func unknownOperation(_ op: String) -> ControlError {
        ControlError(
            .unknownOperation,
            "unknown op '\(op)'; expected one of: " + ControlOperation.names.joined(separator: ", "),
            field: "op"
        )
    }
    static func unknownChannel(_ name: String, field: String) -> ControlError {
        ControlError(.unknownChannel, "no channel instance named '\(name)'", field: field)
    }
    static func tooLarge(limit: Int) -> ControlError {
        ControlError(.tooLarge, "line longer than \(limit) bytes; discarded")
    }
    static let overloaded = ControlError(.overloaded, "intake queue is full; retry later (nothing was accepted)")
    static let shuttingDown = ControlError(.shuttingDown, "the gateway is shutting down; nothing was accepted")
    static func notFound(_ id: String) -> ControlError {
        ControlError(.notFound, "no message with id '\(id)'", field: "message_id")
    }
    /// A lookup by another key than the message id found nothing.
    static func notFound(_ key: String, field: String, what: String) -> ControlError {
        ControlError(.notFound, "\(what) '\(key)'", field: field)
    }
    static func internalError(_ message: String) -> ControlError { ControlError(.internalError, message) }
    /// `cancel` of a message that is in flight or finished.
    static func notCancellable(_ id: String, state: String, why: String) -> ControlError {
        ControlError(.notCancellable, "message '\(id)' cannot be cancelled: \(state): \(why)")
    }
    /// An operator request that the current state of an instance does not allow.
    static func conflict(_ message: String, field: String? = nil) -> ControlError {
        ControlError(.conflict, message, field: field)
    }
    /// The peer's credentials do not allow this request (docs/protocol.md, "Access").
    static func forbidden(_ message: String, field: String? = nil) -> ControlError {
        ControlError(.forbidden, message, field: field)
    }
    static func reloadFailed(_ issues: [String]) -> ControlError {
        ControlError(
            .reloadFailed,
            "the new configuration is invalid; still running the old one: " + issues.joined(separator: "; ")
        )
    }

    /// Maps an adapter's early check to the protocol's codes.
    static func from(_ problem: MessageProblem, prefix: String) -> ControlError {
        let code: Code = problem.codeName == "invalid_recipient" ? .invalidRecipient : .badRequest
        return ControlError(code, problem.message, field: problem.field.map { prefix + $0 })
    }

    /// The `{"code":…,"message":…,"field":…}` object.
    func appendJSON(to output: inout String) {
        output += "{\"code\":\"\(code.rawValue)\",\"message\":"
        JSONValue.appendQuoted(message, to: &output)
        if let field {
            output += ",\"field\":"
            JSONValue.appendQuoted(field, to: &output)
        }
        output += "}"
    }
}
