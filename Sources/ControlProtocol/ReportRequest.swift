public import GatewayJSON

/// `report`: per channel, what happened to the messages accepted since a time.
public struct ReportRequest: Sendable, Hashable {
    /// `nil` is 24 hours ago.
    public var since: TimeInput?

    public init(since: TimeInput? = nil) { self.since = since }

    public init(decoding fields: RequestFields) throws(ControlError) {
        for key in fields.members.keys where key != "op" && key != "id" && key != "since" {
            throw .badRequest("unknown field '\(key)'", field: key)
        }
        since = try fields.time("since", past: true)
    }

    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        members["since"] = since?.json
        return members
    }
}
