import GatewayJSON

/// `event`: recorded, or a repeat of an event id already recorded.
public struct EventAnswer: ControlAnswer, Hashable {
    public var eventID: String
    public var duplicate: Bool

    public init(eventID: String, duplicate: Bool) {
        self.eventID = eventID
        self.duplicate = duplicate
    }

    public func appendFields(to line: inout String) {
        line += ",\"event_id\":"
        JSONValue.appendQuoted(eventID, to: &line)
        line += ",\"state\":\"\(duplicate ? "duplicate" : "recorded")\""
    }
}
