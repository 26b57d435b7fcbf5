internal import CSQLite

/// A thin owner of one SQLite connection. Not thread-safe: each thread that touches the store owns its own.
final class SQLiteDatabase {
    private(set) var handle: OpaquePointer?
    /// The commit hook's target (``onLogCommit(_:)``), kept as long as SQLite may call it.
    var logHook: LogHook?

    /// Turns SQLite's memory statistics off once, before the first connection: kept, they serialize every
    /// allocation on a global mutex (4-5 % of the writer's receipt work in perf) and nothing reads them.
    private static let processSetUp: Void = {
        _ = cg_sqlite_disable_memstatus()
    }()

    /// Opens (creating if needed) the database file.
    init(path: String, readOnly: Bool = false) throws(StoreError) {
        Self.processSetUp
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let result = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard result == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            handle = nil
            throw StoreError.openFailed("\(path): \(message)")
        }
        sqlite3_busy_timeout(handle, 5000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    func execute(_ sql: String) throws(StoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &errorMessage) == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(errorMessage)
            throw StoreError.statementFailed(message)
        }
    }

    /// Compiles a statement for repeated use.
    func prepare(_ sql: String) throws(StoreError) -> SQLiteStatement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK,
            let statement
        else {
            throw StoreError.statementFailed("\(lastError) in: \(sql)")
        }
        return SQLiteStatement(statement, database: self)
    }

    /// The connection's last error message.
    var lastError: String { String(cString: sqlite3_errmsg(handle)) }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(handle)) }

    /// The rowid of the last successful insert on this connection.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}
