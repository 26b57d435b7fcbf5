public import GatewayStore

/// Start-up reads and the readers of the dispatcher and the other background threads.
extension PostgresMessageStore {
    /// Number of queued messages per channel, as committed (read at start-up); deferred ones included.
    public func queuedCounts() throws(StoreError) -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try startupQuery("SELECT channel, count(*) FROM messages WHERE state = 'queued' GROUP BY channel") {
            counts[row[0] ?? ""] = row[1].flatMap { Int($0) } ?? 0
        }
        return counts
    }

    /// Instances an operator paused (pauses outlive restarts).
    public func pausedInstances() throws(StoreError) -> Set<String> {
        Set(try startupQuery("SELECT channel FROM instance_controls WHERE paused = 1").map { $0[0] ?? "" })
    }

    /// Opens a connection for one background thread.
    public func makeReader() throws(StoreError) -> any StoreReading {
        PostgresStoreReader(
            connection: try readConnection("reader"), delivery: delivery, cipher: cipher, clock: clock)
    }

    private func startupQuery(_ sql: String) throws(StoreError) -> [[String?]] {
        let connection = try readConnection("startup")
        do {
            return try connection.query(PostgresStatement(sql)).rows
        } catch {
            throw .statementFailed(error.message)
        }
    }
}
