public import GatewayJSON

/// `strategies`: every strategy ever registered, with its versions and their runs.
public struct StrategiesAnswer: ControlAnswer, Hashable {
    public struct Version: Sendable, Hashable {
        public var version: Int
        /// An RFC 3339 time.
        public var loadedAt: String
        /// SHA-256 of the definition file's bytes (hex).
        public var fingerprint: String
        /// Runs of this version not finished, and finished (kept until pruned).
        public var active: Int
        public var finished: Int

        public init(version: Int, loadedAt: String, fingerprint: String, active: Int, finished: Int) {
            self.version = version
            self.loadedAt = loadedAt
            self.fingerprint = fingerprint
            self.active = active
            self.finished = finished
        }
    }

    public struct Strategy: Sendable, Hashable {
        public var name: String
        /// Its file was removed: no new enrolments, runs finish on their version.
        public var retired: Bool
        /// The version new enrolments take.
        public var latest: Int
        public var versions: [Version]

        public init(name: String, retired: Bool, latest: Int, versions: [Version]) {
            self.name = name
            self.retired = retired
            self.latest = latest
            self.versions = versions
        }
    }

    public var strategies: [Strategy]

    public init(strategies: [Strategy]) { self.strategies = strategies }

    public func appendFields(to line: inout String) {
        line += ",\"strategies\":["
        for (offset, strategy) in strategies.enumerated() {
            if offset > 0 { line += "," }
            line += "{\"name\":"
            JSONValue.appendQuoted(strategy.name, to: &line)
            line += ",\"retired\":\(strategy.retired),\"latest\":\(strategy.latest),\"versions\":["
            for (index, version) in strategy.versions.enumerated() {
                if index > 0 { line += "," }
                line += "{\"version\":\(version.version),\"loaded_at\":"
                JSONValue.appendQuoted(version.loadedAt, to: &line)
                line += ",\"fingerprint\":"
                JSONValue.appendQuoted(version.fingerprint, to: &line)
                line += ",\"active\":\(version.active),\"finished\":\(version.finished)}"
            }
            line += "]}"
        }
        line += "]"
    }

    public init?(json: JSONValue) {
        guard case .array(let items)? = json["strategies"] else { return nil }
        var strategies: [Strategy] = []
        for item in items {
            guard let name = item["name"]?.stringValue, case .bool(let retired)? = item["retired"],
                let latest = item["latest"]?.intValue
            else { return nil }
            var versions: [Version] = []
            if case .array(let rows)? = item["versions"] {
                for row in rows {
                    guard let version = row["version"]?.intValue else { return nil }
                    versions.append(
                        Version(
                            version: version, loadedAt: row["loaded_at"]?.stringValue ?? "",
                            fingerprint: row["fingerprint"]?.stringValue ?? "", active: row["active"]?.intValue ?? 0,
                            finished: row["finished"]?.intValue ?? 0))
                }
            }
            strategies.append(Strategy(name: name, retired: retired, latest: latest, versions: versions))
        }
        self.init(strategies: strategies)
    }
}
