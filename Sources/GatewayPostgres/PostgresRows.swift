/// The rows a statement returned, in text form: `rows[i][j]` is column `j` of row `i`, `nil` for NULL.
public struct PostgresRows: Sendable {
    /// The column names, in order.
    public var columns: [String]
    /// The rows.
    public var rows: [[String?]]
    /// The number of rows the statement changed (`INSERT`, `UPDATE`, `DELETE`), or returned.
    public var affected: Int

    public init(columns: [String] = [], rows: [[String?]] = [], affected: Int = 0) {
        self.columns = columns
        self.rows = rows
        self.affected = affected
    }

    /// The first column of the first row, if there is one and it is not NULL.
    public var scalar: String? { rows.first?.first ?? nil }
}
