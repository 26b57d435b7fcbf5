/// What the store did with one ``RunAdvance``.
public enum AdvanceResult: Sendable {
    /// What a send step came to.
    public enum SendOutcome: Sendable, Equatable {
        case sent(messageID: String, instance: String)
        case deferred(until: Int64)
        case suppressed(reason: String)
    }

    /// Committed; the run's new revision and state, and the send's outcome if the advance sent.
    case advanced(runID: Int64, rev: Int64, state: RunState, send: SendOutcome?)
    /// Another settler (an event, an exit, a newer timer) changed the run first; nothing was written.
    case lost(runID: Int64)
    case failed(runID: Int64, StoreError)
}
