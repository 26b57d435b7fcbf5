/// How a run finished; the raw value is stored and shown.
public enum RunOutcome: String, Sendable {
    /// It reached `stop` or the end of its steps.
    case completed
    /// An `exit_on` event ended it (the event is in the history).
    case exited
    /// The customer opted out and the strategy exits on `opted_out`.
    case optedOut = "opted_out"
    /// The `exit` operation ended it.
    case cancelled
    /// The customer was forgotten.
    case forgotten
}
