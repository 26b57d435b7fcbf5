public import GatewayJSON

/// `consent_export`: one page of everyone's consent log, in write order.
public struct ConsentExportRequest: Sendable, Hashable {
    /// The log `seq` to continue after.
    public var after: Int64
    public var since: TimeInput?
    /// Entries per page, 1 to 10,000.
    public var limit: Int

    public init(after: Int64 = 0, since: TimeInput? = nil, limit: Int = 1_000) {
        self.after = after
        self.since = since
        self.limit = limit
    }

    public init(decoding members: [String: JSONValue]) throws(ControlError) {
        let fields = try RequestFields(members, allowed: ["after", "since", "limit"])
        after = try fields.integer("after", in: 0...Int64.max) ?? 0
        limit = Int(try fields.integer("limit", in: 1...10_000) ?? 1_000)
        since = try fields.time("since", past: true)
    }

    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = ["after": .number(String(after)), "limit": .number(String(limit))]
        members["since"] = since?.json
        return members
    }
}
