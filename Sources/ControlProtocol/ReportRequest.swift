public import GatewayJSON

/// `report`: per channel, what happened to the messages accepted since a time; or with `strategy`, that
/// strategy's funnel (``StrategyReportAnswer``).
public struct ReportRequest: Sendable, Hashable {
    /// `nil` is 24 hours ago. Not with `strategy`: its counters cover the strategy's whole life.
    public var since: TimeInput?
    /// A strategy's name: its funnel instead of the channel report.
    public var strategy: String?
    /// With `strategy`: one version's counters; `nil` is every version summed.
    public var version: Int?

    public init(since: TimeInput? = nil, strategy: String? = nil, version: Int? = nil) {
        self.since = since
        self.strategy = strategy
        self.version = version
    }

    public init(decoding fields: RequestFields) throws(ControlError) {
        try fields.refuseUnknown(["op", "id", "since", "strategy", "version"])
        since = try fields.time("since", past: true)
        strategy = try fields.text("strategy", limit: 64)
        version = try fields.integer("version", in: 1...Int64(Int32.max)).map { Int($0) }
        if strategy != nil, since != nil {
            throw .badRequest(
                "'since' does not apply to a strategy report (its counters cover the strategy's life; use 'version')",
                field: "since")
        }
        if strategy == nil, version != nil {
            throw .badRequest("'version' needs 'strategy'", field: "version")
        }
    }

    public var members: [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        members["since"] = since?.json
        members["strategy"] = strategy.map(JSONValue.string)
        members["version"] = version.map { .number(String($0)) }
        return members
    }
}
