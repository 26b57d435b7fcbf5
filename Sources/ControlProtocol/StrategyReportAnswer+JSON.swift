public import GatewayJSON

/// The wire form: `lines`, and for readers that want no arithmetic, `steps` and `channels` summed from them.
extension StrategyReportAnswer {
    public func appendFields(to line: inout String) {
        line += ",\"strategy\":"
        JSONValue.appendQuoted(strategy, to: &line)
        line += ",\"version\":" + (version.map { String($0) } ?? "null") + ",\"latest\":\(latest)"
        line += ",\"totals\":{\"treated\":"
        Self.append(treated, to: &line)
        line += ",\"holdout\":"
        Self.append(holdout, to: &line)
        line += "},\"uplift\":{\"treated_runs\":\(treated.enrolled),\"holdout_runs\":\(holdout.enrolled)"
        line += ",\"treated_rate\":" + Self.number(treated.rate) + ",\"holdout_rate\":" + Self.number(holdout.rate)
        line += ",\"absolute\":" + Self.number(upliftAbsolute) + ",\"relative\":" + Self.number(upliftRelative) + "}"
        for (key, rows) in [("lines", lines), ("steps", steps), ("channels", channels)] {
            line += ",\"\(key)\":["
            for (offset, row) in rows.enumerated() {
                if offset > 0 { line += "," }
                Self.append(row, to: &line, step: key != "channels", channelType: key != "steps")
            }
            line += "]"
        }
    }

    public init?(json: JSONValue) {
        guard let strategy = json["strategy"]?.stringValue, let latest = json["latest"]?.intValue,
            let treated = json["totals"]?["treated"].flatMap(Self.totals),
            let holdout = json["totals"]?["holdout"].flatMap(Self.totals), case .array(let rows)? = json["lines"]
        else { return nil }
        var lines: [Line] = []
        for row in rows {
            guard let step = row["step"]?.stringValue, let name = row["group"]?.stringValue,
                let group = Group(rawValue: name)
            else { return nil }
            lines.append(
                Line(
                    step: step, channelType: row["channel_type"]?.stringValue, group: group,
                    counters: Self.counters(row)))
        }
        self.init(
            strategy: strategy, version: json["version"]?.intValue, latest: latest, treated: treated,
            holdout: holdout, lines: lines)
    }

    /// A JSON number, `null` when absent or not finite.
    static func number(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "null" }
        return "\(value)"
    }

    private static func append(_ totals: Totals, to line: inout String) {
        line += "{\"enrolled\":\(totals.enrolled),\"active\":\(totals.active),\"finished\":\(totals.finished)"
        line += ",\"converted\":\(totals.converted),\"value\":" + number(totals.value)
        line += ",\"conversion_rate\":" + number(totals.rate) + "}"
    }

    private static func append(_ row: Line, to line: inout String, step: Bool, channelType: Bool) {
        line += "{"
        if step {
            line += "\"step\":"
            JSONValue.appendQuoted(row.step, to: &line)
            line += ","
        }
        if channelType {
            line += "\"channel_type\":"
            if let type = row.channelType { JSONValue.appendQuoted(type, to: &line) } else { line += "null" }
            line += ","
        }
        let counters = row.counters
        line += "\"group\":\"\(row.group.rawValue)\",\"entered\":\(counters.entered),\"sent\":\(counters.sent)"
        line += ",\"suppressed\":"
        JSONValue.object(counters.suppressed.mapValues { .number(String($0)) }).write(to: &line)
        line += ",\"deferred\":\(counters.deferred),\"held_out\":\(counters.heldOut)"
        line += ",\"delivered\":\(counters.delivered),\"opened\":\(counters.opened),\"clicked\":\(counters.clicked)"
        line += ",\"replied\":\(counters.replied),\"timed_out\":\(counters.timedOut),\"exited\":\(counters.exited)"
        line += ",\"finished\":\(counters.finished),\"converted\":\(counters.converted)"
        line += ",\"conversion_rate\":" + number(counters.conversionRate) + ",\"value\":" + number(counters.value)
        if !counters.other.isEmpty {
            line += ",\"other\":"
            JSONValue.object(counters.other.mapValues { .number(String($0)) }).write(to: &line)
        }
        line += "}"
    }

    private static func totals(_ json: JSONValue) -> Totals? {
        guard let enrolled = json["enrolled"]?.intValue else { return nil }
        return Totals(
            enrolled: enrolled, active: json["active"]?.intValue ?? 0, finished: json["finished"]?.intValue ?? 0,
            converted: json["converted"]?.intValue ?? 0, value: json["value"]?.scalarText.flatMap(Double.init) ?? 0)
    }

    private static func counters(_ row: JSONValue) -> Counters {
        func count(_ key: String) -> Int { row[key]?.intValue ?? 0 }
        func counts(_ key: String) -> [String: Int] {
            guard case .object(let members)? = row[key] else { return [:] }
            return members.mapValues { $0.intValue ?? 0 }
        }
        var counters = Counters()
        counters.entered = count("entered")
        counters.sent = count("sent")
        counters.suppressed = counts("suppressed")
        counters.deferred = count("deferred")
        counters.heldOut = count("held_out")
        counters.delivered = count("delivered")
        counters.opened = count("opened")
        counters.clicked = count("clicked")
        counters.replied = count("replied")
        counters.timedOut = count("timed_out")
        counters.exited = count("exited")
        counters.finished = count("finished")
        counters.converted = count("converted")
        counters.value = row["value"]?.scalarText.flatMap(Double.init) ?? 0
        counters.other = counts("other")
        return counters
    }
}
