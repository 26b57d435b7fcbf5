internal import CSQLite
internal import Foundation

/// A SQLite store read table by table, for `gatewayd store copy`: read only, in one snapshot, so a copy sees the
/// store as of one instant even if something were writing (nothing should: the copy holds the daemon's lock).
package final class SQLiteStoreExport {
    private let database: SQLiteDatabase
    /// The store file.
    package let path: String

    /// Opens `gateway.sqlite3` in `directory` (or the file itself) read only and starts the snapshot.
    /// - Throws: when it is missing, unreadable, or not at this gatewayd's schema version.
    package init(_ location: String) throws(StoreError) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory)
        path = exists && isDirectory.boolValue ? location + "/gateway.sqlite3" : location
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw .openFailed("\(path) cannot be read (give the state directory or its gateway.sqlite3)")
        }
        database = try SQLiteDatabase(path: path, readOnly: true)
        let version = try database.prepare("PRAGMA user_version")
        let found = try version.step() ? version.int(0) : 0
        version.reset()
        guard found == StoreSchema.version else {
            throw .openFailed(
                "\(path) is at schema version \(found), this gatewayd copies version \(StoreSchema.version): start this"
                    + " gatewayd on it once (it upgrades the store), stop it, then copy")
        }
        try database.execute("BEGIN")
    }

    deinit { _ = try? database.execute("COMMIT") }

    /// The columns of `table`, in order.
    package func columns(of table: String) throws(StoreError) -> [String] {
        let statement = try database.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
        statement.bind(1, table)
        var names: [String] = []
        while try statement.step() { if let name = statement.string(0) { names.append(name) } }
        statement.reset()
        return names
    }

    /// How many rows of `table` match `filter` (an SQL condition; `nil` for all).
    package func count(_ table: String, where filter: String?) throws(StoreError) -> Int {
        let statement = try database.prepare("SELECT count(*) FROM \(table)" + (filter.map { " WHERE " + $0 } ?? ""))
        defer { statement.reset() }
        return try statement.step() ? statement.int(0) : 0
    }

    /// Calls `body` with the rows of `table` matching `filter`, `batch` at a time, each value as SQLite's text of
    /// it (`nil` for NULL), in `order`.
    package func rows(
        _ table: String, columns: [String], where filter: String?, order: String, batch: Int,
        _ body: ([[String?]]) throws -> Void
    ) throws {
        let statement = try database.prepare(
            "SELECT \(columns.joined(separator: ", ")) FROM \(table)" + (filter.map { " WHERE " + $0 } ?? "")
                + " ORDER BY \(order)")
        defer { statement.reset() }
        var rows: [[String?]] = []
        rows.reserveCapacity(batch)
        while try statement.step() {
            rows.append((0..<Int32(columns.count)).map { statement.string($0) })
            if rows.count == batch {
                try body(rows)
                rows.removeAll(keepingCapacity: true)
            }
        }
        if !rows.isEmpty { try body(rows) }
    }
}
