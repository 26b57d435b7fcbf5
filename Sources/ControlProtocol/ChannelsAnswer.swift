public import GatewayJSON

/// `channels`: every instance configured since start, with its limits, counters and vendor health.
public struct ChannelsAnswer: ControlAnswer, Hashable {
    /// One instance's row.
    public struct Row: Sendable, Hashable {
        public var name: String
        public var type: String
        public var vendor: String?
        public var ratePerSecond: Double
        public var burst: Int
        public var concurrency: Int
        public var queued = 0
        public var inFlight = 0
        public var sent = 0
        public var failed = 0
        public var expired = 0
        public var retried = 0
        /// Removed by a reload: its queue is kept, not sent.
        public var held = false
        public var tokenRefreshes = 0
        public var tokenFailures = 0
        public var failedOver = 0
        public var ambiguous = 0
        public var unreadableReplies = 0
        /// An operator's `pause`.
        public var paused = false
        /// Vendor-side failures since the last success.
        public var consecutiveFailures = 0
        /// Masked.
        public var lastError: String?
        public var lastErrorAt: String?
        public var lastSuccessAt: String?
        public var failingSince: String?

        public init(name: String, type: String, vendor: String?, ratePerSecond: Double, burst: Int, concurrency: Int) {
            self.name = name
            self.type = type
            self.vendor = vendor
            self.ratePerSecond = ratePerSecond
            self.burst = burst
            self.concurrency = concurrency
        }

        /// Reads a row; `nil` without a name and type.
        public init?(json: JSONValue) {
            guard case .string(let name)? = json["name"], case .string(let type)? = json["type"] else { return nil }
            func count(_ key: String) -> Int { json[key]?.intValue ?? 0 }
            self.init(
                name: name, type: type, vendor: json["vendor"]?.stringValue,
                ratePerSecond: json["rate_per_second"]?.scalarText.flatMap(Double.init) ?? 0, burst: count("burst"),
                concurrency: count("concurrency"))
            queued = count("queued")
            inFlight = count("in_flight")
            sent = count("sent")
            failed = count("failed")
            expired = count("expired")
            retried = count("retried")
            held = json["held"] == .bool(true)
            tokenRefreshes = count("token_refreshes")
            tokenFailures = count("token_failures")
            failedOver = count("failed_over")
            ambiguous = count("ambiguous")
            unreadableReplies = count("unreadable_replies")
            paused = json["paused"] == .bool(true)
            consecutiveFailures = count("consecutive_failures")
            lastError = json["last_error"]?.stringValue
            lastErrorAt = json["last_error_at"]?.stringValue
            lastSuccessAt = json["last_success_at"]?.stringValue
            failingSince = json["failing_since"]?.stringValue
        }

        func append(to line: inout String) {
            line += "{\"name\":"
            JSONValue.appendQuoted(name, to: &line)
            line += ",\"type\":"
            JSONValue.appendQuoted(type, to: &line)
            line += ",\"vendor\":"
            if let vendor { JSONValue.appendQuoted(vendor, to: &line) } else { line += "null" }
            line += ",\"rate_per_second\":\(ratePerSecond),\"burst\":\(burst)"
            line += ",\"concurrency\":\(concurrency),\"queued\":\(queued)"
            line += ",\"in_flight\":\(inFlight),\"sent\":\(sent),\"failed\":\(failed)"
            line += ",\"expired\":\(expired),\"retried\":\(retried),\"held\":\(held)"
            line += ",\"token_refreshes\":\(tokenRefreshes),\"token_failures\":\(tokenFailures)"
            line += ",\"failed_over\":\(failedOver),\"ambiguous\":\(ambiguous)"
            line += ",\"unreadable_replies\":\(unreadableReplies),\"paused\":\(paused)"
            line += ",\"consecutive_failures\":\(consecutiveFailures),\"last_error\":"
            if let lastError { JSONValue.appendQuoted(lastError, to: &line) } else { line += "null" }
            // Times are the gateway's own RFC 3339 text: no escaping needed.
            for (name, time) in [
                ("last_error_at", lastErrorAt), ("last_success_at", lastSuccessAt), ("failing_since", failingSince),
            ] {
                line += ",\"\(name)\":"
                if let time { line += "\"\(time)\"" } else { line += "null" }
            }
            line += "}"
        }
    }

    /// By name.
    public var channels: [Row]

    public init(channels: [Row]) { self.channels = channels }

    /// Reads the rows; `nil` when `channels` is not a list.
    public init?(json: JSONValue) {
        guard case .array(let items)? = json["channels"] else { return nil }
        channels = items.compactMap(Row.init(json:))
    }

    public func appendFields(to line: inout String) {
        line += ",\"channels\":["
        for (offset, row) in channels.enumerated() {
            if offset > 0 { line += "," }
            row.append(to: &line)
        }
        line += "]"
    }
}
