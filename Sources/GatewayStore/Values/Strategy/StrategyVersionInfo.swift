/// One strategy as `strategies` shows it: its versions and their runs.
public struct StrategyVersionInfo: Sendable {
    public struct Version: Sendable {
        public var version: Int
        public var fingerprint: String
        /// Epoch ms.
        public var loadedAt: Int64
        public var active: Int
        public var finished: Int

        public init(version: Int, fingerprint: String, loadedAt: Int64, active: Int, finished: Int) {
            self.version = version
            self.fingerprint = fingerprint
            self.loadedAt = loadedAt
            self.active = active
            self.finished = finished
        }
    }

    public var name: String
    public var latest: Int
    public var retired: Bool
    public var versions: [Version]

    public init(name: String, latest: Int, retired: Bool, versions: [Version]) {
        self.name = name
        self.latest = latest
        self.retired = retired
        self.versions = versions
    }
}
