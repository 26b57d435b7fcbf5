internal import CSQLite

/// The commit hook of a write-ahead-logged connection: SQLite calls it after each commit with the log's size in
/// pages. Installing it replaces SQLite's automatic checkpoint (which is itself such a hook), so `grew` decides
/// when the log is copied back (``WALCheckpointer``).
extension SQLiteDatabase {
    final class LogHook {
        let grew: (Int) -> Void

        init(_ grew: @escaping (Int) -> Void) {
            self.grew = grew
        }
    }

    /// Calls `grew` with the log's pages after every commit on this connection, for as long as it is open.
    func onLogCommit(_ grew: @escaping (Int) -> Void) {
        let hook = LogHook(grew)
        logHook = hook
        sqlite3_wal_hook(
            handle,
            { context, _, _, pages in
                guard let context else { return SQLITE_OK }
                Unmanaged<LogHook>.fromOpaque(context).takeUnretainedValue().grew(Int(pages))
                return SQLITE_OK
            }, Unmanaged.passUnretained(hook).toOpaque())
    }

    /// A PASSIVE checkpoint on this connection (the writer's own, past the checkpointer's limit). If it cannot run
    /// (another checkpoint holds the lock, or it fails), the next commit past the limit tries again.
    func checkpointPassive() {
        _ = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }
}
