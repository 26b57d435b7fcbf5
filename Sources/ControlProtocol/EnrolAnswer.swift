public import GatewayJSON

/// `enrol` (and each result of `enrol_batch`): the run made, the run an earlier request with the same
/// `enrol_key` made, or why the customer was not enrolled.
public struct EnrolAnswer: ControlAnswer, Hashable {
    public enum State: String, Sendable, CaseIterable {
        case enrolled, duplicate, refused
    }

    /// `nil` when refused.
    public var runID: Int64?
    public var state: State
    /// Why it was refused: `active`, `once`, `reenter_after`, `retired`, `unknown_customer`.
    public var reason: String?
    /// Whether the run is in the holdout group (followed, never sent to); `nil` when not known (refused,
    /// duplicate).
    public var holdout: Bool?
    /// The strategy version the run follows, when enrolled.
    public var version: Int?

    public init(runID: Int64?, state: State, reason: String? = nil, holdout: Bool? = nil, version: Int? = nil) {
        self.runID = runID
        self.state = state
        self.reason = reason
        self.holdout = holdout
        self.version = version
    }

    public func appendFields(to line: inout String) {
        line += ",\"run_id\":"
        line += runID.map { String($0) } ?? "null"
        line += ",\"state\":\"\(state.rawValue)\""
        if let reason {
            line += ",\"reason\":"
            JSONValue.appendQuoted(reason, to: &line)
        }
        line += ",\"holdout\":"
        line += holdout.map { $0 ? "true" : "false" } ?? "null"
        if let version { line += ",\"version\":\(version)" }
    }

    public init?(json: JSONValue) {
        guard let name = json["state"]?.stringValue, let state = State(rawValue: name) else { return nil }
        let runID = json["run_id"]?.scalarText.flatMap { Int64($0) }
        guard runID != nil || state == .refused else { return nil }
        var holdout: Bool?
        if case .bool(let flag)? = json["holdout"] { holdout = flag }
        self.init(
            runID: runID, state: state, reason: json["reason"]?.stringValue, holdout: holdout,
            version: json["version"]?.intValue)
    }
}
