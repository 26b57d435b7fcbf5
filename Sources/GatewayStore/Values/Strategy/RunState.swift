/// Where a run is: due to execute steps, parked on a wait, or done. The raw value is stored.
public enum RunState: String, Sendable {
    case ready, waiting, finished
}
