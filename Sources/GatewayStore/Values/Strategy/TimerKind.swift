/// Why a run has a timer; the raw value is stored.
public enum TimerKind: String, Sendable {
    /// The run's first step, at its start time.
    case start
    /// The end of a `wait`, or an event that moved a `wait_for` on (due now).
    case wake
    /// The end of a `wait_for`'s `within`.
    case timeout
    /// A send held back by quiet hours or a deferred cap.
    case deferred
}
