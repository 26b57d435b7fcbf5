import ChannelKit

extension APNsProfile {
    /// The keys `settings:` may hold (each listed in the README's `apns` table).
    static let settingsKeys = [
        "endpoint", "team_id", "key_id", "private_key", "bundle_id", "priority", "time_to_live", "sound",
    ]

    /// The default `time_to_live`: a day, after which an undelivered alert is dropped.
    static let defaultTimeToLive: Duration = .seconds(86_400)

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
        guard let settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues) else {
            return nil
        }
        let endpoint = PushSettings.endpoint(settings, "endpoint", default: Self.defaultEndpoint)
        // Team and key ids are 10-character identifiers from the developer account.
        let teamID = Self.identifier(settings, "team_id")
        let keyID = Self.identifier(settings, "key_id")
        var key: ES256Key?
        if let pem = settings.secret("private_key", required: true) {
            key = ES256Key(pem: pem)
            if key == nil {
                settings.error(
                    "private_key",
                    "'private_key' is not a PEM P-256 private key (the AuthKey_<key_id>.p8 file from Apple)")
            }
        }
        let bundleID = settings.string("bundle_id", required: true)
        if let bundleID, bundleID.isEmpty || bundleID.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F }) {
            settings.error("bundle_id", "'bundle_id' must be the app's bundle id, such as com.example.bank")
        }
        let priority = settings.choice("priority", ["10", "5"]).flatMap { Int($0) } ?? 10
        let timeToLive =
            settings.duration("time_to_live", in: .zero ... .seconds(30 * 86_400)) ?? Self.defaultTimeToLive
        let sound = settings.string("sound")

        guard issues.errorCount == errorsBefore, let endpoint, let teamID, let keyID, let key, let bundleID else {
            return nil
        }
        self.endpoint = endpoint
        self.teamID = teamID
        self.keyID = keyID
        self.key = key
        self.bundleID = bundleID
        self.priority = priority
        self.timeToLiveSeconds = timeToLive.components.seconds
        self.sound = sound
    }

    /// A required 10-character upper-case alphanumeric id (`team_id`, `key_id`).
    static func identifier(_ settings: ConfigMap, _ key: String) -> String? {
        guard let text = settings.string(key, required: true) else { return nil }
        let valid =
            text.utf8.count == 10
            && text.utf8.allSatisfy {
                (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
            }
        guard valid else {
            settings.error(
                key, "'\(key)' must be the 10-character id from the Apple developer account, found '\(text)'")
            return nil
        }
        return text
    }
}
