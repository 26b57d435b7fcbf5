import Synchronization

/// A `BulkTally` behind a lock, as a reference the writer, reader and progress threads can all hold.
final class SharedTally: Sendable {
    private let state = Mutex(BulkTally())

    /// Runs `body` with exclusive access to the tally.
    func withLock<Result>(_ body: (inout BulkTally) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}
