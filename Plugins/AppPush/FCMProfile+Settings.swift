import ChannelKit

extension FCMProfile {
    /// The keys `settings:` may hold (each listed in the README's `fcm` table). The service-account fields keep
    /// the names they have in Google's JSON key file.
    static let settingsKeys = [
        "endpoint", "project_id", "client_email", "private_key", "private_key_id", "token_uri", "android_priority",
        "time_to_live",
    ]

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
        guard let settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues) else {
            return nil
        }
        let endpoint = PushSettings.endpoint(settings, "endpoint", default: Self.defaultEndpoint)
        let tokenURI = PushSettings.endpoint(settings, "token_uri", default: Self.defaultTokenURI)
        // Project ids are 6 to 30 of lower-case letters, digits and hyphens (Google Cloud's rule).
        let projectID = settings.string("project_id", required: true)
        if let projectID,
            !(6...30).contains(projectID.utf8.count)
                || !projectID.utf8.allSatisfy({
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-")
                })
        {
            settings.error("project_id", "'project_id' must be a Google Cloud project id such as my-bank-app")
        }
        let clientEmail = settings.string("client_email", required: true)
        if let clientEmail, !clientEmail.contains("@") || clientEmail.contains(" ") {
            settings.error("client_email", "'client_email' must be the service account's e-mail address")
        }
        let privateKeyID = settings.string("private_key_id")
        var key: RS256Key?
        if let pem = settings.secret("private_key", required: true) {
            key = RS256Key(pem: pem)
            if key == nil {
                settings.error(
                    "private_key",
                    "'private_key' is not a PEM RSA private key of 2048 bits or more (the service account's "
                        + "private_key)")
            }
        }
        let androidPriority = settings.choice("android_priority", ["high", "normal"]) ?? "high"
        let timeToLive = settings.duration("time_to_live", in: .zero ... .seconds(28 * 86_400))

        guard issues.errorCount == errorsBefore, let endpoint, let tokenURI, let projectID, let clientEmail, let key
        else { return nil }
        self.endpoint = endpoint
        self.projectID = projectID
        self.clientEmail = clientEmail
        self.privateKeyID = privateKeyID
        self.key = key
        self.tokenURI = tokenURI
        self.androidPriority = androidPriority
        self.timeToLiveSeconds = timeToLive?.components.seconds
    }
}
