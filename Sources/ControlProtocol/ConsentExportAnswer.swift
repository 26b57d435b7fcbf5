public import GatewayJSON

/// `consent_export`: one page of everyone's log; ask again with `after` = `nextAfter` while `more`.
public struct ConsentExportAnswer: ControlAnswer, Hashable {
    public var entries: [ConsentLogEntry]
    public var nextAfter: Int64
    public var more: Bool

    public init(entries: [ConsentLogEntry], nextAfter: Int64, more: Bool) {
        self.entries = entries
        self.nextAfter = nextAfter
        self.more = more
    }

    public func appendFields(to line: inout String) {
        line += ",\"entries\":"
        ConsentLogEntry.appendList(entries, to: &line)
        line += ",\"next_after\":\(nextAfter),\"more\":\(more)"
    }

    /// Reads a page; `nil` when it is not one or an entry cannot be read whole (the export is evidence: an entry
    /// is never dropped or cut short).
    public init?(json: JSONValue) {
        guard let entries = ConsentLogEntry.entries(json["entries"]), case .number(let text)? = json["next_after"],
            let nextAfter = Int64(text), case .bool(let more)? = json["more"]
        else { return nil }
        self.init(entries: entries, nextAfter: nextAfter, more: more)
    }
}
