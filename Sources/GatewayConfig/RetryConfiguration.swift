/// How an instance retries a send that failed transiently: the `retry:` mapping of a `channels.d` file.
///
/// Keys:
/// - `attempts` (integer, 1...100; default 5): total attempts, the first one included.
/// - `initial_backoff` (duration, 1ms...1h; default 1s): the wait before the second attempt.
/// - `max_backoff` (duration, 1ms...1d, at least `initial_backoff`; default 5m): the longest wait.
public struct RetryConfiguration: Sendable, Hashable {
    /// Total attempts, including the first.
    public var attempts: Int
    /// The first backoff.
    public var initialBackoff: Duration
    /// The cap on backoffs.
    public var maxBackoff: Duration

    /// - Parameters:
    ///   - attempts: total attempts, default 5.
    ///   - initialBackoff: the first backoff, default 1s.
    ///   - maxBackoff: the cap on backoffs, default 5m.
    public init(attempts: Int = 5, initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(300)) {
        self.attempts = attempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }
}
