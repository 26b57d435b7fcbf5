internal import CSQLite
import Foundation

/// A heartbeat while one long statement runs (a schema migration's copy of a million rows): SQLite calls back every
/// few thousand virtual-machine steps, and `beat` runs at most once per `interval` of those calls.
extension SQLiteDatabase {
    private final class Heartbeat {
        let interval: Duration
        let beat: () -> Void
        var last = ContinuousClock.now

        init(interval: Duration, beat: @escaping () -> Void) {
            self.interval = interval
            self.beat = beat
        }
    }

    /// Runs `body` with `beat` called about every `interval` while SQLite works; the handler is removed after.
    func withHeartbeat<Result>(
        every interval: Duration, _ beat: @escaping () -> Void, _ body: () throws(StoreError) -> Result
    ) throws(StoreError) -> Result {
        let heartbeat = Unmanaged.passRetained(Heartbeat(interval: interval, beat: beat))
        defer {
            sqlite3_progress_handler(handle, 0, nil, nil)
            heartbeat.release()
        }
        sqlite3_progress_handler(
            handle, 100_000,
            { context in
                guard let context else { return 0 }
                let heartbeat = Unmanaged<Heartbeat>.fromOpaque(context).takeUnretainedValue()
                let now = ContinuousClock.now
                if now - heartbeat.last >= heartbeat.interval {
                    heartbeat.last = now
                    heartbeat.beat()
                }
                return 0  // never interrupts
            }, heartbeat.toOpaque())
        return try body()
    }
}

extension SQLiteDatabase {
    /// Sets the page cache back to the writer's 4 MiB and hands what a migration used back to the system: SQLite's
    /// freed pages, then the C heap's free memory (without `malloc_trim`, glibc keeps it and the daemon would serve
    /// with the migration's few hundred MB resident).
    func releaseMemory() {
        try? execute("PRAGMA cache_size = -4096; PRAGMA shrink_memory;")
        _ = cg_malloc_trim()
    }
}
