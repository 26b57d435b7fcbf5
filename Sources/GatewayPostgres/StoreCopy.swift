package import GatewayStore

/// `gatewayd store copy`: moves a SQLite store's state into an empty PostgreSQL store, in one transaction.
///
/// What moves: the queued messages (with their tracked links), dedup keys, the consent log and standing opt-outs,
/// the counted sends of frequency caps (so caps stay exact across the move), customers with their addresses, tags
/// and channel scores, operators' pauses, and strategies with their versions, runs (history, timers, enrol keys),
/// conversions and step counters. Finished messages, attempts and receipts stay in the SQLite file,
/// the history of one host. Numbers carry over (`seq`, `cn`), and each identity sequence is moved past them.
/// Values are copied as stored: fields sealed under `store_encryption_key` stay sealed, so the PostgreSQL store
/// must be given the same key.
package struct StoreCopy {
    /// One table: which rows move, in which order.
    struct Table {
        var name: String
        var filter: String?
        var order: String
    }

    static let tables = [
        Table(name: "messages", filter: "state = 'queued'", order: "seq"),
        Table(
            name: "tracked_links", filter: "message_seq IN (SELECT seq FROM messages WHERE state = 'queued')",
            order: "token"),
        Table(name: "dedup", filter: nil, order: "key"),
        Table(name: "consent_log", filter: nil, order: "seq"),
        Table(name: "consent_state", filter: nil, order: "subject, channel"),
        Table(name: "cap_events", filter: nil, order: "rowid"),
        Table(name: "customers", filter: nil, order: "cn"),
        Table(name: "customer_addresses", filter: nil, order: "cn, channel_type"),
        Table(name: "customer_tags", filter: nil, order: "cn, tag"),
        Table(name: "channel_scores", filter: nil, order: "cn, channel_type"),
        Table(name: "instance_controls", filter: nil, order: "channel"),
        Table(name: "strategies", filter: nil, order: "name"),
        Table(name: "strategy_versions", filter: nil, order: "name, version"),
        Table(name: "strategy_entries", filter: nil, order: "cn, name"),
        Table(name: "runs", filter: nil, order: "run_id"),
        // Unclaimed on arrival: the first node to read a due one fires it.
        Table(name: "run_timers", filter: nil, order: "run_id"),
        Table(name: "run_steps", filter: nil, order: "run_id, visit"),
        Table(name: "enrol_keys", filter: nil, order: "name, cn, key"),
        Table(name: "conversions", filter: nil, order: "seq"),
        Table(name: "step_counters", filter: nil, order: "name, version, step, channel_type, grp, counter"),
    ]

    /// Rows per statement.
    static let batch = 1_000

    /// What moved, table by table.
    package struct Moved: Sendable, Equatable {
        package var table: String
        package var rows: Int
    }

    /// Copies `source` into the store on `connection` (migrated, and empty of messages and customers).
    /// - Parameter progress: hears a line per table and, on a long table, one every 50,000 rows.
    package static func run(
        from source: SQLiteStoreExport, to connection: PostgresConnection, progress: (String) -> Void
    ) throws -> [Moved] {
        try PostgresSchema.check(connection)
        for table in ["messages", "customers", "dedup", "consent_log"] {
            let rows = try connection.query(PostgresStatement("SELECT EXISTS (SELECT 1 FROM \(table))"))
            guard rows.scalar == "f" else {
                throw PostgresError.statementFailed(
                    "the destination \(connection.target) already holds \(table); copy only into an empty store",
                    sqlState: nil)
            }
        }
        try connection.begin()
        do {
            var moved: [Moved] = []
            for table in tables { moved.append(try copy(table, from: source, to: connection, progress: progress)) }
            try advanceIdentities(connection)
            try connection.commit()
            return moved
        } catch {
            connection.rollback()
            throw error
        }
    }

    private static func copy(
        _ table: Table, from source: SQLiteStoreExport, to connection: PostgresConnection, progress: (String) -> Void
    ) throws -> Moved {
        let types = try connection.query(
            PostgresStatement(
                """
                SELECT column_name, data_type FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = $1
                """, [table.name]))
        let destination = Dictionary(
            types.rows.compactMap { row in row[0].flatMap { name in row[1].map { (name, $0) } } }
        ) { first, _ in first }
        let columns = try source.columns(of: table.name)
        if let missing = columns.first(where: { destination[$0] == nil }) {
            throw PostgresError.statementFailed(
                "the destination's \(table.name) has no column \(missing); is it at this gatewayd's schema?",
                sqlState: nil)
        }
        let total = try source.count(table.name, where: table.filter)
        progress("\(table.name): \(total) row\(total == 1 ? "" : "s")")
        // Every value arrives as text and is cast to its column's type.
        let arrays = columns.indices.map { "$\($0 + 1)::text[]" }.joined(separator: ", ")
        let casts = columns.map { "c.\($0)::\(destination[$0] ?? "text")" }.joined(separator: ", ")
        let insert = """
            INSERT INTO \(table.name) (\(columns.joined(separator: ", "))) OVERRIDING SYSTEM VALUE
            SELECT \(casts) FROM unnest(\(arrays)) AS c(\(columns.joined(separator: ", ")))
            """
        var copied = 0
        var reported = 0
        try source.rows(
            table.name, columns: columns, where: table.filter, order: table.order, batch: batch
        ) { rows in
            let parameters = columns.indices.map { column in PostgresArray.text(rows.lazy.map { $0[column] }) }
            _ = try connection.query(PostgresStatement(insert, parameters))
            copied += rows.count
            if copied - reported >= 50_000 {
                reported = copied
                progress("\(table.name): \(copied) of \(total)")
            }
        }
        return Moved(table: table.name, rows: copied)
    }

    /// Moves each identity sequence past the numbers copied, so the next row gets a fresh one.
    private static func advanceIdentities(_ connection: PostgresConnection) throws {
        let identities = try connection.query(
            PostgresStatement(
                """
                SELECT table_name, column_name FROM information_schema.columns
                WHERE table_schema = current_schema() AND is_identity = 'YES' AND table_name = ANY($1::text[])
                """, [PostgresArray.text(tables.map(\.name))]))
        for row in identities.rows {
            guard let table = row[0], let column = row[1] else { continue }
            _ = try connection.query(
                PostgresStatement(
                    """
                    SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(\(column)) FROM \(table)), 0) + 1,
                        false)
                    """, [table, column]))
        }
    }
}
