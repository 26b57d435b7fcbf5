/// What an `exit` found: the operator needs to tell "already over" (`conflict`) from "no such run" (`not_found`).
public enum RunExit: Sendable, Equatable {
    /// The run was active and is now finished (outcome `cancelled`).
    case exited(runID: Int64)
    /// The run exists but had already finished; nothing changed.
    case alreadyFinished(runID: Int64)
    /// No run with that id, or no active run of the strategy for that customer.
    case notFound
}
