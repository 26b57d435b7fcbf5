/// One SQL statement with its parameters (`$1`, `$2`… in text form; `nil` is NULL), for
/// ``PostgresConnection/query(_:)`` and ``PostgresConnection/transaction(_:)``.
public struct PostgresStatement: Sendable {
    /// The SQL text.
    public var sql: String
    /// The parameters in order; `nil` is SQL NULL.
    public var parameters: [String?]

    public init(_ sql: String, _ parameters: [String?] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}
