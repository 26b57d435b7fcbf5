internal import CSQLite
import Foundation
import Logging

/// Copies the write-ahead log back into the database file on a thread of its own, so the writer rarely does.
///
/// SQLite's automatic checkpoint runs inside the commit that pushes the log past 1,000 pages: that commit copies
/// every page and syncs the database file before it returns, 15-50 ms on this machine while enrolments churn a
/// million runs, and every send behind it waits that long for its ACK. Here the writer's commit hook only counts
/// the log's pages and wakes this thread, whose own connection runs a PASSIVE checkpoint beside the writer
/// (SQLite lets a checkpoint and a writer run at once; each commit appends while older frames are copied).
///
/// The log restarts from its beginning only when a write transaction starts with every frame copied, which a
/// checkpoint beside a busy writer seldom sees: the next commit has always appended more. So past
/// ``writerTakesOverPages`` the writer checkpoints in its own commit hook, as SQLite's default would, and copies
/// only what this thread has not yet (a few hundred pages, not thousands); its next transaction restarts the log.
/// That also bounds the log if this thread cannot keep up or fails (a full disk).
final class WALCheckpointer: @unchecked Sendable {
    /// Log pages that wake the checkpointer: SQLite's own automatic-checkpoint default.
    static let wakePages = 1_000
    /// Log pages past which the writer checkpoints in its own commit (64 MiB of 4 KiB pages). At 4,000 the
    /// writer's own checkpoints came back into the ACK tail while a million customers enrolled (p99 11.9 ms
    /// against 6.7 ms here, enrolment 37.8k/s against 56.2k/s).
    static let writerTakesOverPages = 16_000
    /// The shortest time between two checkpoints, in seconds (see ``run()``).
    static let interval: TimeInterval = 0.010

    private let database: SQLiteDatabase
    private let logger: Logger
    private let condition = NSCondition()
    private var due = false
    private var stopping = false
    private var stopped = false
    private var lastFailureLog: ContinuousClock.Instant?
    /// Pages copied back to the database file since the store opened (under `condition`).
    private var copiedPages = 0

    /// Opens a connection of its own to `path` (a store the writer has opened and migrated) and starts the thread.
    init(path: String, logger: Logger) throws(StoreError) {
        database = try SQLiteDatabase(path: path)
        // A checkpoint's syncs follow the connection's setting: FULL, as the writer's, so a copied page is on
        // disk before the log that held it is reused.
        try database.execute("PRAGMA synchronous = FULL;")
        self.logger = logger
        let thread = Thread { [self] in
            ThreadNaming.nameCurrentThread("store-checkpt")
            run()
        }
        thread.stackSize = 1 << 19
        thread.start()
    }

    /// Called by the writer's commit hook with the log's size in pages; wakes the thread past ``wakePages``.
    func logGrew(to pages: Int) {
        guard pages >= Self.wakePages else { return }
        condition.lock()
        if !due {
            due = true
            condition.signal()
        }
        condition.unlock()
    }

    /// Stops the thread after the checkpoint in progress, if any, and waits for it.
    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        while !stopped { condition.wait() }
        condition.unlock()
    }

    /// Pages this thread has copied back so far.
    var pagesCopied: Int {
        condition.lock()
        defer { condition.unlock() }
        return copiedPages
    }

    private func run() {
        while true {
            condition.lock()
            while !due && !stopping { condition.wait() }
            if stopping {
                stopped = true
                condition.broadcast()
                condition.unlock()
                return
            }
            // At most one checkpoint per interval: a page rewritten by every commit (the rightmost pages of
            // receipts and their indexes) is then copied once per interval, not once per commit. Woken after every
            // commit, this thread took a quarter of gatewayd's CPU under single receipts; at 10 ms, ./bench-receipts
            // went from 11k to 16-17k receipts/s (105 -> 67-75 us CPU each, p99 unchanged at 12-13 ms) and
            // ./bench-strategies' checkpoints from 10-12 to 3 us per fire; at 25 ms the receipts' p99 doubled.
            let ready = Date(timeIntervalSinceNow: Self.interval)
            while !stopping, Date() < ready { _ = condition.wait(until: ready) }
            due = false
            condition.unlock()
            checkpoint()
        }
    }

    private func checkpoint() {
        var logPages: Int32 = 0
        var copied: Int32 = 0
        let result = sqlite3_wal_checkpoint_v2(
            database.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &logPages, &copied)
        condition.lock()
        copiedPages += Int(max(0, copied))
        condition.unlock()
        // BUSY: the writer's own checkpoint holds the lock; the next commit past the mark wakes this thread again.
        guard result != SQLITE_OK, result != SQLITE_BUSY else { return }
        let now = ContinuousClock.now
        if let last = lastFailureLog, now - last < .seconds(10) { return }
        lastFailureLog = now
        logger.error(
            "store: checkpoint failed; the writer checkpoints itself past the limit",
            metadata: ["error": "\(database.lastError)", "log_pages": "\(logPages)"])
    }
}
