/// A `wait` step: `wait: 2d`, or `wait: {until: "10:00"}` (the next such local time strictly after now, in the
/// customer's zone, else the gateway's `timezone`).
public enum WaitStep: Sendable, Equatable {
    case duration(Duration)
    /// Minutes after local midnight, 0..<1440.
    case untilLocalTime(minuteOfDay: Int)
}
