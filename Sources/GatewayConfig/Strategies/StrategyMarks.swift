import ChannelKit

/// Where each value of a strategy file was written, beside the definition, so the validator can point every
/// problem at the offending value (a `then`, a `channel` list item, …) rather than at the step.
struct StrategyMarks: Sendable {
    /// Per step (same order as the definition's), the mark of each located value: `id`, `kind` (the kind key),
    /// `next`, `on_suppressed`, `on_event`, `on_timeout`, `step` (of `wait_for`), `strategy` (of `handoff`),
    /// `default`, `then.N`, `if.N` (a branch condition), `channel` and `channel.N`.
    var steps: [[String: ConfigMark]] = []
    /// `migrate` entries: the target id and where it was written.
    var migrate: [(source: String, target: String, mark: ConfigMark)] = []
    /// The `steps` list (or the file's start when it is missing).
    var stepsList: ConfigMark

    /// The mark of `key` on step `index`, else the step's id.
    func mark(_ index: Int, _ key: String) -> ConfigMark {
        steps[index][key] ?? steps[index]["id"] ?? stepsList
    }
}
