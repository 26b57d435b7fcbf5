import Synchronization

/// An ``EnrolTally`` behind a lock, as a reference the writer, reader and progress threads can all hold.
final class SharedEnrolTally: Sendable {
    private let state = Mutex(EnrolTally())

    func withLock<Result>(_ body: (inout EnrolTally) -> Result) -> Result { state.withLock { body(&$0) } }
}
