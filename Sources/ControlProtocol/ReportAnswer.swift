public import GatewayJSON

/// `report`: per channel, what happened to the messages accepted since a time.
public struct ReportAnswer: ControlAnswer, Hashable {
    /// One channel instance's row.
    public struct Row: Sendable, Hashable {
        public var channel: String
        public var accepted, sent, delivered, opened, clicked, expired, suppressed, queued: Int
        /// Failed messages by reason category.
        public var failed: [String: Int]

        public init(
            channel: String, accepted: Int, sent: Int, delivered: Int, opened: Int, clicked: Int, expired: Int,
            suppressed: Int, queued: Int, failed: [String: Int]
        ) {
            self.channel = channel
            self.accepted = accepted
            self.sent = sent
            self.delivered = delivered
            self.opened = opened
            self.clicked = clicked
            self.expired = expired
            self.suppressed = suppressed
            self.queued = queued
            self.failed = failed
        }
    }

    /// The start of the period, an RFC 3339 time.
    public var since: String
    public var channels: [Row]

    public init(since: String, channels: [Row]) {
        self.since = since
        self.channels = channels
    }

    public func appendFields(to line: inout String) {
        line += ",\"since\":\"\(since)\",\"channels\":["
        for (offset, row) in channels.enumerated() {
            if offset > 0 { line += "," }
            line += "{\"channel\":"
            JSONValue.appendQuoted(row.channel, to: &line)
            line += ",\"accepted\":\(row.accepted),\"sent\":\(row.sent),\"delivered\":\(row.delivered)"
            line += ",\"opened\":\(row.opened),\"clicked\":\(row.clicked),\"expired\":\(row.expired)"
            line += ",\"suppressed\":\(row.suppressed),\"queued\":\(row.queued),\"failed\":"
            JSONValue.object(row.failed.mapValues { .number(String($0)) }).write(to: &line)
            line += "}"
        }
        line += "]"
    }

    public init?(json: JSONValue) {
        guard case .string(let since)? = json["since"], case .array(let items)? = json["channels"] else {
            return nil
        }
        var rows: [Row] = []
        for item in items {
            func count(_ key: String) -> Int { item[key]?.intValue ?? 0 }
            var failed: [String: Int] = [:]
            if case .object(let reasons)? = item["failed"] {
                for (reason, value) in reasons { failed[reason] = value.intValue ?? 0 }
            }
            rows.append(
                Row(
                    channel: item["channel"]?.stringValue ?? "?", accepted: count("accepted"), sent: count("sent"),
                    delivered: count("delivered"), opened: count("opened"), clicked: count("clicked"),
                    expired: count("expired"), suppressed: count("suppressed"), queued: count("queued"),
                    failed: failed))
        }
        self.init(since: since, channels: rows)
    }
}
