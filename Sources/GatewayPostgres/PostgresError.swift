/// A failure of the PostgreSQL store: connecting, a statement, or the schema. Never carries a password or message
/// content: the connection is named by ``PostgresConnectionInfo/description``, which leaves the password out.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    private enum Code: String, Sendable {
        case badURL = "bad_url"
        case connectFailed = "connect_failed"
        case statementFailed = "statement_failed"
        case newerSchema = "newer_schema"
        case schemaMissing = "schema_missing"
        case nodeBusy = "node_busy"
    }

    private let code: Code
    /// What failed, for the log and the operator.
    public let message: String
    /// The five-character SQLSTATE of a failed statement (`23505` for a unique violation), if the server sent one.
    public let sqlState: String?

    private init(_ code: Code, _ message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    /// The `url` is not a connection string libpq accepts.
    public static func badURL(_ message: String) -> PostgresError { PostgresError(.badURL, message) }
    /// The server could not be reached or refused the connection.
    public static func connectFailed(_ message: String) -> PostgresError { PostgresError(.connectFailed, message) }
    /// A statement failed; its transaction, if any, holds nothing.
    public static func statementFailed(_ message: String, sqlState: String?) -> PostgresError {
        PostgresError(.statementFailed, message, sqlState: sqlState)
    }
    /// The database holds a schema newer than this gatewayd knows: it would misread the tables.
    public static func newerSchema(_ message: String) -> PostgresError { PostgresError(.newerSchema, message) }
    /// The database has no gateway schema yet, or an older one, and the caller may not migrate it.
    public static func schemaMissing(_ message: String) -> PostgresError { PostgresError(.schemaMissing, message) }
    /// Another gatewayd already serves the database (one node per database until several are served).
    public static func nodeBusy(_ message: String) -> PostgresError { PostgresError(.nodeBusy, message) }

    /// Whether a statement failed on a unique index (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    public var description: String { "postgresql \(code.rawValue): \(message)" }
}
