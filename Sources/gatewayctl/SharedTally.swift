import Synchronization

/// A tally behind a lock, as a reference the writer, reader and progress threads of a bulk command can all hold.
final class SharedTally<Tally: JSONLinesTally>: Sendable {
    private let state = Mutex(Tally())

    /// Runs `body` with exclusive access to the tally.
    func withLock<Result>(_ body: (inout Tally) -> Result) -> Result {
        state.withLock { body(&$0) }
    }
}
