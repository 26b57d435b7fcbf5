public import GatewayJSON

/// An error answer on the control socket: a ``ControlErrorCode``, a message for a person and the request field
/// at fault (a path such as `messages[3].params.code` inside a batch).
public struct ControlError: Error, Sendable, Hashable {
    /// The stable wire code.
    public let code: ControlErrorCode
    /// What is wrong, for a person.
    public let message: String
    /// The request field at fault, if any.
    public let field: String?

    public init(_ code: ControlErrorCode, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// Reads the `error` object of an answer; `nil` unless it has a known `code` and a `message`.
    public init?(json: JSONValue) {
        guard case .string(let name)? = json["code"], let code = ControlErrorCode(rawValue: name),
            case .string(let message)? = json["message"]
        else { return nil }
        self.init(code, message, field: json["field"]?.stringValue)
    }

    /// The stable wire code.
    public var codeName: String { code.rawValue }

    /// Every wire code the daemon answers with, for documentation checks.
    public static var codeNames: [String] { ControlErrorCode.names }

    public static func badJSON(_ message: String) -> ControlError { ControlError(.badJSON, message) }
    public static func badRequest(_ message: String, field: String?) -> ControlError {
        ControlError(.badRequest, message, field: field)
    }
    public static func unknownOperation(_ op: String) -> ControlError {
        ControlError(
            .unknownOperation,
            "unknown op '\(op)'; expected one of: " + ControlOperation.names.joined(separator: ", "),
            field: "op"
        )
    }
    public static func unknownChannel(_ name: String, field: String) -> ControlError {
        ControlError(.unknownChannel, "no channel instance named '\(name)'", field: field)
    }
    public static func tooLarge(limit: Int) -> ControlError {
        ControlError(.tooLarge, "line longer than \(limit) bytes; discarded")
    }
    public static let overloaded = ControlError(.overloaded, "intake queue is full; retry later (nothing was accepted)")
    public static let shuttingDown = ControlError(.shuttingDown, "the gateway is shutting down; nothing was accepted")
    public static func notFound(_ id: String) -> ControlError {
        ControlError(.notFound, "no message with id '\(id)'", field: "message_id")
    }
    /// A lookup by another key than the message id found nothing.
    public static func notFound(_ key: String, field: String, what: String) -> ControlError {
        ControlError(.notFound, "\(what) '\(key)'", field: field)
    }
    public static func internalError(_ message: String) -> ControlError { ControlError(.internalError, message) }
    /// `cancel` of a message that is in flight or finished.
    public static func notCancellable(_ id: String, state: String, why: String) -> ControlError {
        ControlError(.notCancellable, "message '\(id)' cannot be cancelled: \(state): \(why)")
    }
    /// An operator request that the current state of an instance does not allow.
    public static func conflict(_ message: String, field: String? = nil) -> ControlError {
        ControlError(.conflict, message, field: field)
    }
    /// The peer's credentials do not allow this request (docs/protocol.md, "Access").
    public static func forbidden(_ message: String, field: String? = nil) -> ControlError {
        ControlError(.forbidden, message, field: field)
    }
    public static func reloadFailed(_ issues: [String]) -> ControlError {
        ControlError(
            .reloadFailed,
            "the new configuration is invalid; still running the old one: " + issues.joined(separator: "; ")
        )
    }

    /// The `{"code":…,"message":…,"field":…}` object.
    public func appendJSON(to output: inout String) {
        output += "{\"code\":\"\(code.rawValue)\",\"message\":"
        JSONValue.appendQuoted(message, to: &output)
        if let field {
            output += ",\"field\":"
            JSONValue.appendQuoted(field, to: &output)
        }
        output += "}"
    }
}
