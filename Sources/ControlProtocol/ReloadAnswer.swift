public import GatewayJSON

/// `reload`: what changed; `warnings` are issues that did not stop the reload.
public struct ReloadAnswer: ControlAnswer, Hashable {
    public var added: [String]
    public var changed: [String]
    public var removed: [String]
    public var warnings: [String]

    public init(added: [String], changed: [String], removed: [String], warnings: [String]) {
        self.added = added
        self.changed = changed
        self.removed = removed
        self.warnings = warnings
    }

    public func appendFields(to line: inout String) {
        AnswerLine.appendList("added", added, to: &line)
        AnswerLine.appendList("changed", changed, to: &line)
        AnswerLine.appendList("removed", removed, to: &line)
        AnswerLine.appendList("warnings", warnings, to: &line)
    }

    public init?(json: JSONValue) {
        guard let added = AnswerLine.strings(json["added"]), let changed = AnswerLine.strings(json["changed"]),
            let removed = AnswerLine.strings(json["removed"])
        else { return nil }
        self.init(
            added: added, changed: changed, removed: removed, warnings: AnswerLine.strings(json["warnings"]) ?? [])
    }
}
