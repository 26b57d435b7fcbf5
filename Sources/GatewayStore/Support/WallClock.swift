/// Wall-clock time in milliseconds since the Unix epoch, injected so tests can drive time.
public protocol WallClock: Sendable {
    /// The current time.
    var nowMilliseconds: Int64 { get }
}
