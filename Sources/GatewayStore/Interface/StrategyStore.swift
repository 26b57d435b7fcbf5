/// Strategy runs: enrolment, the engine's advances, exits, and what operators read about them.
///
/// Same rules as ``MessageStoring``: completions run after the durable commit, in submission order; calls are
/// per batch. Every change to a run is one compare-and-set on its revision in a writer transaction, together
/// with everything it causes (message insert, timer rows, history, counters, tags), so an event, a timeout and
/// an exit racing for one run have exactly one winner.
public protocol StrategyStore: AnyObject, Sendable {
    /// Registers the loaded strategies: a name with a new fingerprint becomes version N+1, a name no longer
    /// loaded is retired (its runs finish on their version). Returns the latest version per name.
    func register(
        _ strategies: [StrategyRules], completion: @escaping @Sendable (Result<[String: Int], StoreError>) -> Void)

    /// Enrols customers; `false` without queueing when the intake queue is full or the store is closing.
    func enrol(_ enrolments: [Enrolment], completion: @escaping @Sendable ([EnrolResult]) -> Void) -> Bool

    /// Applies the engine's advances, each by compare-and-set on its run, in one commit.
    func advance(_ advances: [RunAdvance], completion: @escaping @Sendable ([AdvanceResult]) -> Void)

    /// Ends a run at once (also mid-wait); says whether it ended, had already finished, or does not exist.
    func exit(
        _ selector: RunSelector, client: String, completion: @escaping @Sendable (Result<RunExit, StoreError>) -> Void)

    /// A customer's runs, newest first, with timer and history, after everything queued so far is committed.
    func runs(
        of customer: String, limit: Int, completion: @escaping @Sendable (Result<[RunSnapshot], StoreError>) -> Void)

    /// Every strategy ever registered, with versions and run counts.
    func strategies(completion: @escaping @Sendable (Result<[StrategyVersionInfo], StoreError>) -> Void)

    /// Called after a commit that added or moved timers, with the earliest due time among them.
    func onTimers(_ handler: @escaping @Sendable (_ earliestDue: Int64) -> Void)

    /// Called after a commit that finished runs by exit, opt-out or `exit_on`, with their ids and the queued
    /// messages it cancelled: the dispatcher must not start a message of theirs it paged in before, and takes the
    /// cancelled ones off its queued counts.
    func onHolds(_ handler: @escaping @Sendable (HeldRuns) -> Void)

    /// Moves runs of older versions parked at a step in `moves` (old step → step of the latest version) to the
    /// latest version, each by the compare-and-set, at most 5,000 per commit; the number moved.
    func migrate(
        strategy: String, moves: [String: String], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void)

    /// Opens a read connection for the engine thread.
    func makeStrategyReader() throws(StoreError) -> any StrategyReading
}
