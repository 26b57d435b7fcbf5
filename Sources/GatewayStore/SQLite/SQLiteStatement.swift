internal import CSQLite

/// A prepared statement, reset and rebound for each use.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private unowned let database: SQLiteDatabase

    init(_ statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit { sqlite3_finalize(statement) }

    /// Clears previous bindings and state.
    func reset() {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
    }

    /// Readies the statement for another run, keeping its bindings: for hot statements that bind every
    /// parameter on every use, where clearing them first costs more than the statement's own binds.
    func rewind() {
        sqlite3_reset(statement)
    }

    func bind(_ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(statement, index)
            return
        }
        // The UTF-8 bytes with their length: passing the String as a C string copies a small (inline) string
        // into a new array first, and makes SQLite measure it again.
        value.withUTF8 { bytes in
            let text = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            if let text {
                sqlite3_bind_text(statement, index, text, Int32(bytes.count), cg_sqlite_transient())
            } else {
                sqlite3_bind_text(statement, index, "", 0, cg_sqlite_transient())
            }
        }
    }

    /// Binds text that SQLite reads where it lies (`SQLITE_STATIC`), saving the copy into memory it allocates
    /// and frees on every bind. The bytes must stay valid and unchanged until the parameter is bound again or the
    /// statement is finalized; a hot statement's caller keeps them in a buffer of its own.
    func bindInPlace(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            sqlite3_bind_text(statement, index, "", 0, cg_sqlite_transient())
            return
        }
        sqlite3_bind_text(statement, index, base.assumingMemoryBound(to: CChar.self), Int32(bytes.count), nil)
    }

    func bind(_ index: Int32, _ value: Int64?) {
        guard let value else {
            sqlite3_bind_null(statement, index)
            return
        }
        sqlite3_bind_int64(statement, index, value)
    }

    func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(statement, index, Int64(value)) }

    func bind(_ index: Int32, _ value: Double?) {
        guard let value else {
            sqlite3_bind_null(statement, index)
            return
        }
        sqlite3_bind_double(statement, index, value)
    }

    /// Steps once: `true` if a row is available, `false` when done.
    @discardableResult
    func step() throws(StoreError) -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw StoreError.statementFailed(database.lastError)
        }
    }

    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        return String(cString: text)
    }

    func int64(_ column: Int32) -> Int64? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_int64(statement, column)
    }

    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }

    func double(_ column: Int32) -> Double? {
        sqlite3_column_type(statement, column) == SQLITE_NULL ? nil : sqlite3_column_double(statement, column)
    }
}
