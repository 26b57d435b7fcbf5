internal import CLibPQ
internal import ChannelKit
public import GatewayConfig
internal import Glibc

/// One libpq connection, used by one thread at a time (as the SQLite store's connections are).
/// (`@unchecked Sendable`: it is handed to the thread that owns it, never used by two at once.)
///
/// A transaction goes to the server as one pipeline (`BEGIN`, the statements, `COMMIT`, then a sync) and costs one
/// round trip however many statements it holds: `./bench-pg-driver` measured 55,545 rows/s at 500 rows a
/// transaction this way against 7,626 with a round trip per statement (docs/design/postgresql.md §5).
public final class PostgresConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    /// What the connection is to, without the password: for messages.
    public let target: String

    /// Connects.
    /// - Parameters:
    ///   - url: the connection string; its own settings win over the defaults below.
    ///   - applicationName: shown in `pg_stat_activity` unless the string sets `application_name`.
    ///   - connectTimeoutSeconds: how long to try each host unless the string sets `connect_timeout`.
    /// - Throws: ``PostgresError/connectFailed(_:)`` with libpq's reason.
    public init(
        _ url: PostgresConnectionString, applicationName: String = "gatewayd", connectTimeoutSeconds: Int = 10
    ) throws(PostgresError) {
        // Keywords are applied in order and `dbname` is expanded into the string's own settings, so listing the
        // defaults first lets the string override them (libpq's PQconnectdbParams, expand_dbname).
        // Prepared statements are planned for each execution's values (plan_cache_mode): a generic plan, chosen on
        // statistics older than a burst, is what walked every queued row when a custom plan looked one up.
        let keywords = ["fallback_application_name", "connect_timeout", "client_encoding", "options", "dbname"]
        let values = [
            applicationName, String(connectTimeoutSeconds), "UTF8", "-c plan_cache_mode=force_custom_plan",
            url.text.reveal(),
        ]
        let connection = withCStrings(keywords) { keywords in
            withCStrings(values) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let connection else { throw .connectFailed("libpq is out of memory") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let reason = Self.message(PQerrorMessage(connection))
            PQfinish(connection)
            throw .connectFailed("cannot connect to \(url): \(reason)")
        }
        // Notices ("already exists, skipping") would go to stderr unlabelled; the statements' outcomes say enough.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        self.connection = connection
        self.target = url.description
    }

    deinit { PQfinish(connection) }

    /// The server's version number (`150010` for 15.10).
    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// How many times the connection was made anew after it was lost (a server restart, a failover, a backend
    /// terminated). Session state (advisory locks) does not survive one: its holders compare this to re-take it.
    public private(set) var resets = 0

    /// Statements prepared on this session, by their text: the store's statements are a fixed set run thousands
    /// of times, so each is parsed once (parse and analysis were about a tenth of the server's CPU in `perf`).
    private var prepared: [String: String] = [:]
    /// Whether statements are prepared (until the session forgets one: see `stopPreparingIfForgotten`).
    private var preparing = true
    /// More distinct texts than this are run unprepared (a bound, should a caller ever build texts freely).
    private static let preparedLimit = 128

    /// The name `sql` is prepared under on this session, preparing it first if it is new (one round trip, once);
    /// `nil` when it takes no parameters or the session holds `preparedLimit` statements already.
    private func preparedName(_ statement: PostgresStatement) throws(PostgresError) -> String? {
        guard preparing, !statement.parameters.isEmpty else { return nil }
        if let name = prepared[statement.sql] { return name }
        guard prepared.count < Self.preparedLimit else { return nil }
        let name = "cgw\(prepared.count)"
        let result = PQprepare(connection, name, statement.sql, Int32(statement.parameters.count), nil)
        defer { PQclear(result) }
        try check(result)
        prepared[statement.sql] = name
        return name
    }

    /// Makes the connection anew if it was lost, before a statement (so the daemon rides out a database restart:
    /// the statements that met the loss failed; the next ones run).
    private func reconnectIfLost() throws(PostgresError) {
        guard PQstatus(connection) != CONNECTION_OK else { return }
        PQreset(connection)
        guard PQstatus(connection) == CONNECTION_OK else {
            throw .connectFailed("cannot reconnect to \(target): \(Self.message(PQerrorMessage(connection)))")
        }
        resets += 1
        prepared.removeAll()  // they went with the old session
    }

    /// Runs one or more statements without parameters (`;`-separated, as in a migration), outside any pipeline.
    public func execute(_ sql: String) throws(PostgresError) {
        try reconnectIfLost()
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        try check(result)
    }

    /// Runs one statement with parameters and returns its rows.
    public func query(_ statement: PostgresStatement) throws(PostgresError) -> PostgresRows {
        try reconnectIfLost()
        let name = try preparedName(statement)
        let result = withCStrings(statement.parameters) { values in
            if let name {
                PQexecPrepared(connection, name, Int32(statement.parameters.count), values, nil, nil, 0)
            } else {
                PQexecParams(connection, statement.sql, Int32(statement.parameters.count), nil, values, nil, nil, 0)
            }
        }
        guard let result else { throw lost("libpq returned no result") }
        defer { PQclear(result) }
        do {
            try check(result)
        } catch {
            stopPreparingIfForgotten(error)
            throw error
        }
        return Self.rows(result)
    }

    /// A prepared statement the session no longer knows (a pooler in transaction mode, such as PgBouncer before
    /// 1.21, hands each transaction a different server session): from then on this connection runs statements
    /// unprepared. The statement that met it failed; its caller answers that as any failed statement.
    private func stopPreparingIfForgotten(_ error: PostgresError) {
        guard error.sqlState == "26000" else { return }
        prepared.removeAll()
        preparing = false
    }

    /// Runs `statements` in one transaction sent as one pipeline; returns each statement's rows, in order.
    ///
    /// If any statement fails, none of them holds (the transaction is rolled back) and the first failure is thrown.
    public func transaction(_ statements: [PostgresStatement]) throws(PostgresError) -> [PostgresRows] {
        let results = try batch([PostgresStatement("BEGIN")] + statements + [PostgresStatement("COMMIT")])
        return Array(results.dropFirst().dropLast())
    }

    /// Sends `statements` as one pipeline (one round trip) and returns each one's rows, in order. Inside a
    /// transaction opened with ``begin()`` they run in it; otherwise they are one implicit transaction.
    ///
    /// On a failure the rest of the pipeline is skipped and the first failure thrown; a transaction left open and
    /// aborted is rolled back, so the connection is ready for the next one.
    public func batch(_ statements: [PostgresStatement]) throws(PostgresError) -> [PostgresRows] {
        try reconnectIfLost()
        // New statements are prepared before the pipeline (outside it, a statement's name is known when sent).
        var names: [String?] = []
        names.reserveCapacity(statements.count)
        for statement in statements { names.append(try preparedName(statement)) }
        guard PQenterPipelineMode(connection) == 1 else { throw lost("cannot enter pipeline mode") }
        let results: [PostgresRows]
        do {
            results = try pipeline(statements, names: names)
        } catch {
            PQexitPipelineMode(connection)
            stopPreparingIfForgotten(error)
            // A failed explicit transaction stays open and aborted after the sync: end it, so the next one starts.
            if PQtransactionStatus(connection) != PQTRANS_IDLE { _ = try? execute("ROLLBACK") }
            throw error
        }
        PQexitPipelineMode(connection)
        return results
    }

    /// One notification from a channel this session listens to (`LISTEN`).
    public struct Notification: Sendable, Equatable {
        public var channel: String
        public var payload: String
    }

    /// The notifications received, waiting up to `timeout` for the first when none has arrived yet (an empty list
    /// when none came, or the connection is lost: the next statement reconnects, and its caller listens again).
    public func notifications(waitingUpTo timeout: Duration) -> [Notification] {
        var received = takeNotifications()
        guard received.isEmpty else { return received }
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else {
            usleep(UInt32(clamping: timeout.milliseconds * 1000))
            return []
        }
        guard poll(&descriptor, 1, Int32(clamping: timeout.milliseconds)) > 0 else { return [] }
        PQconsumeInput(connection)
        received = takeNotifications()
        return received
    }

    /// What libpq has read of notifications so far (during statements too).
    private func takeNotifications() -> [Notification] {
        var received: [Notification] = []
        while let notification = PQnotifies(connection) {
            received.append(
                Notification(
                    channel: String(cString: notification.pointee.relname),
                    payload: String(cString: notification.pointee.extra)))
            PQfreemem(notification)
        }
        return received
    }

    /// Opens a transaction for several ``batch(_:)`` round trips (when a later statement needs an earlier one's
    /// rows); end it with ``commit()`` or ``rollback()``.
    public func begin() throws(PostgresError) { try execute("BEGIN") }

    /// Commits the open transaction.
    public func commit() throws(PostgresError) { try execute("COMMIT") }

    /// Rolls the open transaction back, if there is one; never throws (a lost connection has none left).
    public func rollback() {
        if PQtransactionStatus(connection) != PQTRANS_IDLE { _ = try? execute("ROLLBACK") }
    }

    private func pipeline(_ statements: [PostgresStatement], names: [String?]) throws(PostgresError)
        -> [PostgresRows]
    {
        for (statement, name) in zip(statements, names) { try send(statement, name: name) }
        guard PQpipelineSync(connection) == 1 else { throw lost("cannot send the pipeline") }

        // Every statement's result, then a NULL; the sync's result ends the pipeline.
        var results: [PostgresRows] = []
        results.reserveCapacity(statements.count)
        var failure: PostgresError?
        var idle = 0
        while true {
            guard let result = PQgetResult(connection) else {
                idle += 1
                // One NULL follows each statement; two in a row mean the connection has nothing more to give.
                if idle > 1 || PQstatus(connection) != CONNECTION_OK { throw lost("the connection was lost") }
                continue
            }
            idle = 0
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            if status == PGRES_PIPELINE_SYNC { break }
            if status == PGRES_PIPELINE_ABORTED { continue }
            if status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK {
                if failure == nil { failure = Self.failure(result) }
                continue
            }
            results.append(Self.rows(result))
        }
        if let failure { throw failure }
        return results
    }

    private func send(_ statement: PostgresStatement, name: String?) throws(PostgresError) {
        let sent = withCStrings(statement.parameters) { values in
            if let name {
                PQsendQueryPrepared(connection, name, Int32(statement.parameters.count), values, nil, nil, 0)
            } else {
                PQsendQueryParams(
                    connection, statement.sql, Int32(statement.parameters.count), nil, values, nil, nil, 0)
            }
        }
        guard sent == 1 else { throw lost("cannot send a statement") }
    }

    private func check(_ result: OpaquePointer?) throws(PostgresError) {
        guard let result else { throw lost("libpq returned no result") }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw Self.failure(result) }
    }

    private func lost(_ what: String) -> PostgresError {
        .statementFailed("\(what) (\(target)): \(Self.message(PQerrorMessage(connection)))", sqlState: nil)
    }

    /// One line: the server's primary message, its detail and hint, and the SQLSTATE (not the statement text and
    /// caret that `PQresultErrorMessage` adds on further lines).
    private static func failure(_ result: OpaquePointer) -> PostgresError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue ?? 0)).map { String(cString: $0) }
        }
        let sqlState = field("C")
        guard let primary = field("M") else {
            return .statementFailed(message(PQresultErrorMessage(result)), sqlState: sqlState)
        }
        var line = primary
        if let detail = field("D") { line += "; " + detail.replacingNewlines }
        if let hint = field("H") { line += " (hint: \(hint.replacingNewlines))" }
        if let sqlState { line += " [SQLSTATE \(sqlState)]" }
        return .statementFailed(line, sqlState: sqlState)
    }

    private static func rows(_ result: OpaquePointer) -> PostgresRows {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<Int32(rowCount) {
            rows.append(
                (0..<Int32(columnCount)).map { column in
                    PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column))
                })
        }
        let changed = Int(String(cString: PQcmdTuples(result))) ?? rowCount
        return PostgresRows(columns: columns, rows: rows, affected: changed)
    }

    /// libpq's message on one line: its hints come on lines of their own ("\n\tIs the server running…?").
    private static func message(_ text: UnsafePointer<CChar>?) -> String {
        guard let text else { return "no message" }
        return String(cString: text).split(whereSeparator: { $0.isNewline || $0 == "\t" })
            .map { $0.split(separator: " ").joined(separator: " ") }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

/// Calls `body` with a C array of the strings (NULL for `nil`) and a NULL after the last, valid only during the
/// call. The NULL ends PQconnectdbParams' lists and gives an empty list an address.
private func withCStrings<Result>(
    _ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> Result
) -> Result {
    var owned: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } } + [nil]
    defer { for pointer in owned { free(pointer) } }
    return owned.withUnsafeMutableBufferPointer { buffer in
        buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: buffer.count) { body($0) }
    }
}

extension String {
    /// The text on one line, for a log or an operator's terminal.
    fileprivate var replacingNewlines: String { split(whereSeparator: \.isNewline).joined(separator: " ") }
}
