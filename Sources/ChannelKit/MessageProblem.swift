/// Why a message cannot be accepted for a channel, found before it is queued.
///
/// The core answers the client with ``code`` as the error code, so each code here is part of the socket
/// protocol's stable error set.
public struct MessageProblem: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case invalidRecipient = "invalid_recipient"
        case badRequest = "bad_request"
    }

    private let code: Code
    /// The request field at fault (`to`, `params.code`, …).
    public let field: String?
    /// What is wrong, for a person.
    public let message: String

    private init(_ code: Code, field: String?, message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// The address is not valid on this channel.
    public static func invalidRecipient(_ message: String, field: String = "to") -> MessageProblem {
        MessageProblem(.invalidRecipient, field: field, message: message)
    }

    /// Something else in the message is missing or malformed.
    public static func badRequest(_ message: String, field: String? = nil) -> MessageProblem {
        MessageProblem(.badRequest, field: field, message: message)
    }

    /// The socket protocol error code (`invalid_recipient`, `bad_request`).
    public var codeName: String { code.rawValue }

    public var description: String { "\(code.rawValue): \(message)" }
}
