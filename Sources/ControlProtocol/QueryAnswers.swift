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

/// `consent`: a subject's standing opt-outs and its log.
public struct ConsentAnswer: ControlAnswer, Hashable {
    /// `customer` or `address`: the answer's key for the subject.
    public var subjectKind: String
    public var subject: String
    /// `all` or channel types.
    public var optedOut: [String]
    public var log: [ConsentLogEntry]

    public init(subjectKind: String, subject: String, optedOut: [String], log: [ConsentLogEntry]) {
        self.subjectKind = subjectKind
        self.subject = subject
        self.optedOut = optedOut
        self.log = log
    }

    /// Reads a `consent` answer; `nil` when it is not one or an entry of its log cannot be read whole.
    public init?(json: JSONValue) {
        guard let log = ConsentLogEntry.entries(json["log"]) else { return nil }
        let kind = json["customer"] != nil ? "customer" : "address"
        self.init(
            subjectKind: kind, subject: json[kind]?.stringValue ?? "",
            optedOut: AnswerLine.strings(json["opted_out"]) ?? [], log: log)
    }

    public func appendFields(to line: inout String) {
        line += ",\"\(subjectKind)\":"
        JSONValue.appendQuoted(subject, to: &line)
        AnswerLine.appendList("opted_out", optedOut, to: &line)
        line += ",\"log\":"
        ConsentLogEntry.appendList(log, to: &line)
    }
}

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
