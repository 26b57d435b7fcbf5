public import GatewayJSON

/// `exit`: the run that ended (its state is `exited`; the run's outcome is `cancelled`).
public struct ExitAnswer: ControlAnswer, Hashable {
    public var runID: Int64

    public init(runID: Int64) { self.runID = runID }

    public func appendFields(to line: inout String) {
        line += ",\"run_id\":\(runID),\"state\":\"exited\""
    }

    public init?(json: JSONValue) {
        guard let runID = json["run_id"]?.scalarText.flatMap({ Int64($0) }) else { return nil }
        self.init(runID: runID)
    }
}
