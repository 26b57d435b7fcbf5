import Synchronization

/// A ``CustomerImportTally`` behind a lock, as a reference the writer, reader and progress threads can all hold.
final class SharedImportTally: Sendable {
    private let state = Mutex(CustomerImportTally())

    /// Runs `body` with exclusive access to the tally.
    func withLock<Result>(_ body: (inout CustomerImportTally) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}
