import ChannelKit

/// `vendor: jpush`: JPush (极光推送) REST API v3, `POST {endpoint}/v3/push` with HTTP Basic auth
/// `base64(app_key:master_secret)`, one notification to a list of registration ids.
///
/// Sources: https://docs.jiguang.cn/jpush/server/push/rest_api_v3_push/ and `/work/shared/docs/vendors.md` §5.1
/// (endpoint, auth and its worked example V7, body fields, reply and error codes);
/// https://docs.jiguang.cn/jpush/server/push/http_status_code/ (HTTP statuses). Settings, the request shape and
/// the reply table are in `Plugins/AppPush/README.md`.
///
/// Batches: up to ``maximumRecipients`` registration ids share one request when their title, body, link and
/// badge are equal. JPush answers with one `msg_id` for the whole push, so each recipient gets that id; it
/// drops unknown ids silently and fails the push (1011) only when none resolves, so per-device delivery is
/// known only from JPush's report APIs, not from the send reply.
struct JPushProfile: Batching, CustomStringConvertible {
    /// The keys `settings:` may hold.
    static let settingsKeys = ["endpoint", "app_key", "master_secret", "platforms", "apns_production", "time_to_live"]
    /// JPush's public API host (Beijing-hosted apps use `https://bjapi.push.jiguang.cn`).
    static let defaultEndpoint = "https://api.jpush.cn"
    /// Registration ids per request: the v3 push doc caps `audience.registration_id` at 1000 (vendors.md §5.1.2
    /// records the number as not re-verified).
    static let maximumRecipients = 1000
    /// The longest registration id `check` accepts (JPush ids are short hex-like strings; this is generous).
    static let maximumAddressLength = 128
    /// The platforms `platforms:` may list (HarmonyOS `hmos` needs per-app `category` data this profile lacks).
    static let platformNames = ["android", "ios"]
    /// `time_to_live` upper bound: JPush keeps offline messages at most 10 days.
    static let maximumTimeToLiveDays = 10

    /// `{endpoint}/v3/push`.
    let pushURL: String
    /// `Basic base64(app_key:master_secret)`, kept wrapped until the request is built.
    let authorization: Secret
    /// The listed platforms, or `nil` for `"all"`.
    let platforms: [String]?
    /// `options.apns_production`: always sent, since JPush's SDKs and REST API default differently.
    let apnsProduction: Bool
    /// `options.time_to_live` in seconds, when set.
    let timeToLive: Int?

    var description: String { "JPushProfile(url: \(pushURL))" }

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
        guard let settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues) else {
            return nil
        }
        let endpoint = PushSettings.baseURL(settings, "endpoint", default: Self.defaultEndpoint)
        let appKey = PushSettings.plainOrSecret(settings, "app_key", required: true)
        if let appKey, appKey.isEmpty || appKey.contains(":") || !appKey.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            settings.error("app_key", "'app_key' must be the app's AppKey (visible ASCII, no ':')")
        }
        let masterSecret = settings.secret("master_secret", required: true)
        var platforms: [String]?
        if let names = settings.stringList("platforms") {
            let unknown = names.filter { !Self.platformNames.contains($0) }
            if names.isEmpty || !unknown.isEmpty || Set(names).count != names.count {
                settings.error(
                    "platforms",
                    "'platforms' must list distinct values from: \(Self.platformNames.joined(separator: ", "))")
            }
            platforms = Self.platformNames.filter(names.contains)
        }
        let apnsProduction = settings.bool("apns_production") ?? true
        let timeToLive = PushSettings.seconds(settings, "time_to_live", maximumDays: Self.maximumTimeToLiveDays)

        guard issues.errorCount == errorsBefore, let endpoint, let appKey, let masterSecret else { return nil }
        self.pushURL = endpoint + "/v3/push"
        self.authorization = Secret("Basic " + PushSettings.base64(Array("\(appKey):\(masterSecret.reveal())".utf8)))
        self.platforms = platforms
        self.apnsProduction = apnsProduction
        self.timeToLive = timeToLive
    }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        if let problem = PushAddress.problem(
            message.recipient, maximumLength: Self.maximumAddressLength, name: "a JPush registration id")
        {
            return problem
        }
        do {
            _ = try PushContent(message, titleRequired: false)
        } catch {
            return error
        }
        return nil
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        try request(for: [message], context: context)
    }

    var maxBatchSize: Int { Self.maximumRecipients }

    func batchKey(for message: OutboundMessage) -> String? {
        (try? PushContent(message, titleRequired: false))?.batchKey
    }

    func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem) -> VendorRequest {
        guard let first = messages.first, messages.count <= Self.maximumRecipients else {
            throw .badRequest("a JPush request carries 1 to \(Self.maximumRecipients) registration ids")
        }
        for message in messages { if let problem = check(message) { throw problem } }
        let content = try PushContent(first, titleRequired: false)
        for message in messages.dropFirst() {
            guard try PushContent(message, titleRequired: false) == content else {
                throw .badRequest("messages in one JPush request must show the same notification")
            }
        }
        return VendorRequest(
            method: "POST",
            url: pushURL,
            headers: [
                HTTPHeader("Authorization", authorization.reveal()),
                HTTPHeader("Content-Type", "application/json"),
            ],
            body: Array(body(content, registrationIDs: messages.map(\.recipient)).serialized.utf8)
        )
    }

    /// The v3 push body: `platform`, `audience.registration_id`, `notification` (common `alert` plus `android`
    /// and `ios` objects for the targeted platforms) and `options`. The deep link goes to Android's
    /// `intent.url` and, for both platforms, to `extras.url` (iOS has no link field of its own).
    func body(_ content: PushContent, registrationIDs: [String]) -> JSONValue {
        var extras: [String: JSONValue] = [:]
        if let link = content.link { extras["url"] = .string(link) }

        var android: [String: JSONValue] = ["alert": .string(content.body)]
        if let title = content.title { android["title"] = .string(title) }
        if let link = content.link { android["intent"] = .object(["url": .string(link)]) }
        if !extras.isEmpty { android["extras"] = .object(extras) }

        var ios: [String: JSONValue] = [:]
        if let title = content.title {
            ios["alert"] = .object(["title": .string(title), "body": .string(content.body)])
        } else {
            ios["alert"] = .string(content.body)
        }
        ios["sound"] = .string("default")
        if let badge = content.badge { ios["badge"] = .number(String(badge)) }
        if !extras.isEmpty { ios["extras"] = .object(extras) }

        var notification: [String: JSONValue] = ["alert": .string(content.body)]
        let targeted = platforms ?? Self.platformNames
        if targeted.contains("android") { notification["android"] = .object(android) }
        if targeted.contains("ios") { notification["ios"] = .object(ios) }

        var options: [String: JSONValue] = ["apns_production": .bool(apnsProduction)]
        if let timeToLive { options["time_to_live"] = .number(String(timeToLive)) }

        return .object([
            "platform": platforms.map { .array($0.map(JSONValue.string)) } ?? .string("all"),
            "audience": .object(["registration_id": .array(registrationIDs.map(JSONValue.string))]),
            "notification": .object(notification),
            "options": .object(options),
        ])
    }
}
