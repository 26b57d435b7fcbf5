import ChannelKit
public import ControlProtocol

/// The strategy kinds' lines (design §11). Field order is fixed and every field is written (`null` when absent),
/// as for message states, so consumers can rely on the shape.
extension StateChange {
    /// A run moved: `state` is the run's (`ready`, `waiting`, `finished`), `step` where it now stands, `outcome`
    /// once finished (`completed`, `exited`, …).
    public static func run(
        runID: Int64, strategy: String, version: Int, customer: String, step: String, state: String,
        outcome: String?, at: Int64
    ) -> StateChange {
        var line = "{\"event\":\"run\",\"run_id\":\(runID),\"strategy\":"
        JSONValue.appendQuoted(strategy, to: &line)
        line += ",\"version\":\(version),\"customer\":"
        JSONValue.appendQuoted(customer, to: &line)
        line += ",\"step\":"
        JSONValue.appendQuoted(step, to: &line)
        line += ",\"state\":"
        JSONValue.appendQuoted(state, to: &line)
        line += ",\"outcome\":"
        appendOptional(outcome, to: &line)
        line += ",\"at\":\"\(Timestamp.format(at))\"}"
        return StateChange(kind: .run, customer: customer, at: at, line: line)
    }

    /// A tag was added (`change: added`) or removed (`removed`); `source` is who did it (a strategy step,
    /// `affinity`, the `customer` op).
    public static func tag(customer: String, tag: String, added: Bool, source: String, at: Int64) -> StateChange {
        var line = "{\"event\":\"tag\",\"customer\":"
        JSONValue.appendQuoted(customer, to: &line)
        line += ",\"tag\":"
        JSONValue.appendQuoted(tag, to: &line)
        line += added ? ",\"change\":\"added\",\"source\":" : ",\"change\":\"removed\",\"source\":"
        JSONValue.appendQuoted(source, to: &line)
        line += ",\"at\":\"\(Timestamp.format(at))\"}"
        return StateChange(kind: .tag, customer: customer, at: at, line: line)
    }

    /// A conversion credited to `strategy`: the run (none for a conversion outside any run's window), the touch
    /// credited by the strategy's attribution model (none before the first touch or for a holdout run), and the
    /// event's value.
    public static func conversion(
        runID: Int64?, strategy: String, customer: String, step: String?, channelType: String?, value: Double?,
        at: Int64
    ) -> StateChange {
        var line = "{\"event\":\"conversion\",\"run_id\":"
        line += runID.map { String($0) } ?? "null"
        line += ",\"strategy\":"
        JSONValue.appendQuoted(strategy, to: &line)
        line += ",\"customer\":"
        JSONValue.appendQuoted(customer, to: &line)
        line += ",\"step\":"
        appendOptional(step, to: &line)
        line += ",\"channel_type\":"
        appendOptional(channelType, to: &line)
        line += ",\"value\":"
        if let value, value.isFinite { line += "\(value)" } else { line += "null" }
        line += ",\"at\":\"\(Timestamp.format(at))\"}"
        return StateChange(kind: .conversion, customer: customer, at: at, line: line)
    }

    private static func appendOptional(_ text: String?, to line: inout String) {
        if let text { JSONValue.appendQuoted(text, to: &line) } else { line += "null" }
    }
}
