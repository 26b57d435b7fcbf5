/// One `step_counters` row's key: a counter of a strategy version's step, per channel type and group. Writers
/// add to counters in memory per transaction and write each row once before the commit.
package struct StepCounterKey: Hashable {
    package var strategy: String
    package var version: Int
    package var step: String
    /// The touch's channel type, or "" for counters that are not per channel.
    package var channelType: String
    /// Whether the run is in the holdout group (`grp` = `holdout`, else `treated`).
    package var holdout: Bool
    package var counter: String

    package init(strategy: String, version: Int, step: String, channelType: String, holdout: Bool, counter: String) {
        self.strategy = strategy
        self.version = version
        self.step = step
        self.channelType = channelType
        self.holdout = holdout
        self.counter = counter
    }
}
