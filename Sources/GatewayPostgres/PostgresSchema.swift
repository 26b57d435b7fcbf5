public import Logging

/// The gateway's tables in PostgreSQL: versioned steps, applied once, in order, under an advisory lock.
///
/// `schema_migrations` records each applied version, when, and by which node. Every node runs ``migrate(_:node:
/// logger:)`` when it starts (and `gatewayd migrate` runs it alone); the session advisory lock makes the nodes
/// that start together wait for the first, which applies what is missing while the others then find nothing to
/// do. A database whose schema is newer than this gatewayd's is refused: it would misread the tables.
public enum PostgresSchema {
    /// The newest version this gatewayd knows.
    public static var version: Int { steps.count }

    /// What ``migrate(_:node:logger:)`` did.
    public struct Outcome: Sendable, Equatable {
        /// The version found before (0: no gateway schema).
        public var from: Int
        /// The version now.
        public var to: Int

        public init(from: Int, to: Int) {
            self.from = from
            self.to = to
        }
    }

    /// One version: its name for the log and `schema_migrations`, and its statements.
    struct Step {
        var name: String
        var sql: String
    }

    /// Version `n` is `steps[n - 1]`. Append only: a released step never changes.
    static let steps = [Step(name: "the gateway's tables", sql: version1)]

    /// The advisory lock key of migrations: "cgw-migr" in ASCII, one key in the database for every gateway node.
    static let lockKey: Int64 = 0x6367_772D_6D69_6772

    /// The installed version: 0 when the database has no gateway schema.
    public static func installedVersion(_ connection: PostgresConnection) throws(PostgresError) -> Int {
        let exists = try connection.query(
            PostgresStatement("SELECT to_regclass('schema_migrations') IS NOT NULL"))
        guard exists.scalar == "t" else { return 0 }
        let version = try connection.query(PostgresStatement("SELECT coalesce(max(version), 0) FROM schema_migrations"))
        return version.scalar.flatMap { Int($0) } ?? 0
    }

    /// Checks that the database is at this gatewayd's version, without changing anything.
    /// - Returns: the version.
    /// - Throws: ``PostgresError/newerSchema(_:)`` or ``PostgresError/schemaMissing(_:)``.
    @discardableResult
    public static func check(_ connection: PostgresConnection) throws(PostgresError) -> Int {
        let installed = try installedVersion(connection)
        if installed > version { throw .newerSchema(newer(installed)) }
        guard installed == version else {
            throw .schemaMissing(
                installed == 0
                    ? "the database has no gateway schema; run `gatewayd migrate` (or start gatewayd, which migrates)"
                    : "the schema is version \(installed), this gatewayd needs \(version); run `gatewayd migrate`")
        }
        return installed
    }

    /// Applies every missing version, each in a transaction of its own, under the migration lock.
    /// - Parameters:
    ///   - node: recorded as `applied_by`.
    ///   - logger: hears each step.
    /// - Throws: ``PostgresError/newerSchema(_:)``, or the failing statement's error (its version not applied).
    @discardableResult
    public static func migrate(
        _ connection: PostgresConnection, node: String, logger: Logger
    ) throws(PostgresError) -> Outcome {
        // A session lock: held across the steps' transactions, and released by the server if this node dies.
        _ = try connection.query(PostgresStatement("SELECT pg_advisory_lock($1)", [String(lockKey)]))
        defer { _ = try? connection.query(PostgresStatement("SELECT pg_advisory_unlock($1)", [String(lockKey)])) }
        do {
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now(),
                    applied_by text NOT NULL
                )
                """)
        } catch {
            // Most often a role without CREATE on the schema (PostgreSQL 15 no longer grants it on `public`).
            throw .statementFailed(
                "cannot create schema_migrations in \(connection.target): \(error.message)", sqlState: error.sqlState)
        }
        let installed = try installedVersion(connection)
        if installed > version { throw .newerSchema(newer(installed)) }
        for number in stride(from: installed + 1, through: version, by: 1) {
            let step = steps[number - 1]
            logger.notice(
                "applying schema version \(number): \(step.name)",
                metadata: ["database": "\(connection.target)"])
            do {
                try connection.begin()
                try connection.execute(step.sql)
                _ = try connection.query(
                    PostgresStatement(
                        "INSERT INTO schema_migrations (version, name, applied_by) VALUES ($1, $2, $3)",
                        [String(number), step.name, node]))
                try connection.commit()
            } catch {
                connection.rollback()
                throw .statementFailed(
                    "schema version \(number) (\(step.name)) was not applied: \(error.message)",
                    sqlState: error.sqlState)
            }
        }
        return Outcome(from: installed, to: max(installed, version))
    }

    private static func newer(_ installed: Int) -> String {
        "the database's gateway schema is version \(installed), newer than this gatewayd's \(version): run the newer"
            + " gatewayd, or restore a backup taken before it"
    }
}
