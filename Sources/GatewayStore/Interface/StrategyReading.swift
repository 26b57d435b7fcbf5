/// The engine's read connection: due timers in order and the runs they wake. One per thread, like
/// ``StoreReading``; never blocks the writer.
public protocol StrategyReading: AnyObject {
    /// Timers after `cursor` and due at or before `through` (epoch ms), in `(dueAt, runID)` order, at most `limit`.
    func dueTimers(after cursor: DueTimer.Cursor, through: Int64, limit: Int) throws(StoreError) -> [DueTimer]

    /// The runs with these ids, with customer facts and history (ids not found are left out). `parts` names the
    /// optional facts a run of a strategy version needs (``CustomerFacts/Parts``); parts left out stay empty.
    func runs(_ ids: [Int64], parts: (_ strategy: String, _ version: Int) -> CustomerFacts.Parts) throws(StoreError)
        -> [RunSnapshot]

    /// The stored source text of a strategy version, to interpret runs of versions no longer loaded.
    func definitionSource(strategy: String, version: Int) throws(StoreError) -> String?
}
