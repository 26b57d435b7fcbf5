import Foundation

/// How long the oldest queued message of an instance has waited since it was accepted (retry-waiting and
/// deferred messages included), for `/metrics`.
///
/// Each instance costs one index seek per priority lane on the partial index `messages_lane (channel, priority,
/// seq) WHERE state = 'queued'` (sequence order is acceptance order), never a scan, so a scrape stays cheap with
/// millions of queued rows; instances with nothing queued cost nothing. The probe has its own read connection
/// (WAL: it never waits for the writer) and resets its statement after each step, so it holds no snapshot
/// between scrapes.
final class QueueAgeProbe: @unchecked Sendable {
    // The lock guards the connection and its statement: SQLite connections are single-threaded here.
    private let lock = NSLock()
    private let store: MessageStore
    private let clock: any WallClock
    private var database: SQLiteDatabase?
    private var oldest: SQLiteStatement?

    static let sql = """
        SELECT created_at FROM messages
        WHERE channel = ?1 AND priority = ?2 AND state = 'queued' ORDER BY seq LIMIT 1
        """

    init(store: MessageStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// Seconds since the oldest queued message of each named instance was accepted; an instance with none is
    /// left out. On a store error the probe answers nothing and reopens its connection at the next call.
    func oldestAges(of channels: [String]) -> [String: Double] {
        guard !channels.isEmpty else { return [:] }
        lock.lock()
        defer { lock.unlock() }
        do {
            let statement = try prepared()
            let now = clock.nowMilliseconds
            var ages: [String: Double] = [:]
            for channel in channels {
                var earliest: Int64?
                for priority in 0..<3 {
                    statement.reset()
                    statement.bind(1, channel)
                    statement.bind(2, priority)
                    if try statement.step(), let createdAt = statement.int64(0) {
                        earliest = min(earliest ?? createdAt, createdAt)
                    }
                    statement.reset()
                }
                if let earliest { ages[channel] = Double(max(0, now - earliest)) / 1000 }
            }
            return ages
        } catch {
            oldest = nil
            database = nil
            return [:]
        }
    }

    private func prepared() throws(StoreError) -> SQLiteStatement {
        if let oldest { return oldest }
        let database = try store.readConnection()
        let statement = try database.prepare(Self.sql)
        self.database = database
        oldest = statement
        return statement
    }
}
