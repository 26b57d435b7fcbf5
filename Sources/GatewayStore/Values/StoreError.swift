/// A failure of the store (any backend). Never carries message content or secrets.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case openFailed = "open_failed"
        case statementFailed = "statement_failed"
        case closed
        case lost
        case unsupported
    }

    private let code: Code
    /// What failed, for the log.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The store could not be opened (or is not writable).
    public static func openFailed(_ message: String) -> StoreError { StoreError(.openFailed, message) }
    /// A statement or transaction failed; nothing of it holds.
    public static func statementFailed(_ message: String) -> StoreError { StoreError(.statementFailed, message) }
    /// The store is closing or closed; nothing more is accepted.
    public static let closed = StoreError(.closed, "the store is closed")
    /// The store's data was deleted or replaced under the running daemon.
    public static func lost(_ path: String) -> StoreError {
        StoreError(.lost, "\(path) was deleted or replaced under the running daemon; nothing more is accepted")
    }

    /// The operation is not served by this backend (yet); nothing was changed.
    public static func unsupported(_ message: String) -> StoreError { StoreError(.unsupported, message) }

    public var description: String { "store \(code.rawValue): \(message)" }
}
