/// Outputs: per-instance reports, the committed change stream and the webhook outbox.
public protocol ReportStore: AnyObject, Sendable {
    /// Committed state changes, for `subscribe`.
    var feed: ChangeFeed { get }

    /// Per-instance outcomes of the messages accepted since `since` (epoch ms), read without making the writer
    /// or the dispatcher wait.
    func report(since: Int64) throws(StoreError) -> [ChannelReport]

    /// A strategy's funnel per step, channel type and group, run totals and uplift, for one version or all
    /// (`nil`); `nil` when no strategy of this name was ever registered. Read off the writer, from counters.
    func strategyReport(_ name: String, version: Int?) throws(StoreError) -> StrategyReport?

    /// The current state of every message changed since `since` (epoch ms), oldest change first, at most
    /// `limit` (for `subscribe` with `since`).
    func changes(since: Int64, limit: Int) throws(StoreError) -> [StateChange]

    /// Starts keeping every state change in the webhook outbox; `wake` is called after commits that add some.
    func enableOutbox(wake: @escaping @Sendable () -> Void)

    /// Removes delivered outbox entries (the webhook answered 2xx for everything up to `sequence`).
    func acknowledgeOutbox(upTo sequence: Int64)
}

extension ReportStore {
    /// Every message changed since `since` (epoch ms), up to a million.
    public func changes(since: Int64) throws(StoreError) -> [StateChange] {
        try changes(since: since, limit: 1_000_000)
    }
}
