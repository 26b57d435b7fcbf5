public import GatewayJSON

/// `stats`: the daemon's counters, in the order it lists them.
public struct StatsAnswer: ControlAnswer {
    /// Counter names and values; names are the daemon's own (`accepted`, `in_flight`, `uptime_s`, …).
    public var counters: [(name: String, value: Int)]

    public init(counters: [(name: String, value: Int)]) { self.counters = counters }

    public func appendFields(to line: inout String) {
        line += ",\"stats\":{"
        for (offset, counter) in counters.enumerated() {
            if offset > 0 { line += "," }
            line += "\"\(counter.name)\":\(counter.value)"
        }
        line += "}"
    }

    /// Reads the counters (in name order: a JSON object keeps none); `nil` unless every one is a whole number.
    public init?(json: JSONValue) {
        guard case .object(let stats)? = json["stats"] else { return nil }
        var counters: [(name: String, value: Int)] = []
        for name in stats.keys.sorted() {
            guard let value = stats[name]?.intValue else { return nil }
            counters.append((name, value))
        }
        self.counters = counters
    }

    /// The value of a counter by name.
    public subscript(name: String) -> Int? { counters.first { $0.name == name }?.value }
}
