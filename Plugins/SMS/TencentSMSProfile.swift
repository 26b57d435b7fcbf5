import ChannelKit

/// The `tencent` SMS vendor: Tencent Cloud SMS `SendSms` (API 3.0, version 2021-01-11), vendors.md 2.2.
///
/// A JSON `POST` signed with `TC3-HMAC-SHA256` (``TencentTC3Signature``). One request carries up to 200 numbers that
/// share a template and its parameters (`PhoneNumberSet`, one `TemplateParamSet`); the reply's `SendStatusSet`
/// gives one outcome per number (`+Outcome`). Every key, its type and default, and the code table are in
/// `Plugins/SMS/README.md`.
struct TencentSMSProfile: Batching, DefaultTemplateProviding, CustomStringConvertible {
    /// The keys `settings:` may hold.
    static let settingsKeys = [
        "secret_id", "secret_key", "sms_sdk_app_id", "sign_name", "template_id", "region", "endpoint",
    ]
    /// The public endpoint (https://cloud.tencent.com/document/api/382/55981).
    static let defaultEndpoint = "https://sms.tencentcloudapi.com/"
    /// `X-TC-Region` when none is set (vendors.md 2.2.1).
    static let defaultRegion = "ap-guangzhou"
    /// `PhoneNumberSet` takes at most 200 numbers (vendors.md 2.2.3; `LimitExceeded.PhoneNumberCountLimit`).
    static let batchLimit = 200
    /// `SessionContext` must stay under 512 bytes (vendors.md 2.2.3).
    static let sessionContextLimit = 511
    /// The body's media type, as sent and as signed.
    static let contentType = "application/json; charset=utf-8"

    let secretID: Secret
    let secretKey: Secret
    let sdkAppID: String
    let signName: String?
    let templateID: String?
    let region: String
    let endpoint: String
    /// The endpoint's `host[:port]`, sent as `Host` and signed.
    let host: String
    /// The endpoint's path, the canonical URI.
    let path: String

    var description: String { "TencentSMSProfile(endpoint: \(endpoint), region: \(region))" }

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
        guard let settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues) else {
            return nil
        }
        let secretID = settings.secret("secret_id", required: true)
        let secretKey = settings.secret("secret_key", required: true)
        let sdkAppID = settings.plainText("sms_sdk_app_id", required: true)
        if let sdkAppID, !sdkAppID.utf8.allSatisfy(PhoneNumber.isDigit) {
            settings.error("sms_sdk_app_id", "'sms_sdk_app_id' is the digits of the SDK AppID, such as 1400006666")
        }
        let signName = settings.plainText("sign_name")
        if let signName, signName.contains(where: { $0 == "【" || $0 == "】" }) {
            settings.error("sign_name", "'sign_name' is the name inside 【】: write it without the brackets")
        }
        let templateID = settings.plainText("template_id")
        let region = settings.plainText("region") ?? Self.defaultRegion
        let endpoint = settings.endpoint(default: Self.defaultEndpoint)
        guard issues.errorCount == errorsBefore, let secretID, let secretKey, let sdkAppID, let endpoint else {
            return nil
        }
        let afterScheme = endpoint.drop { $0 != "/" }.dropFirst(2)
        let host = String(afterScheme.prefix { $0 != "/" })
        let path = afterScheme.dropFirst(host.count)
        guard !host.isEmpty else {
            settings.error("endpoint", "'endpoint' has no host")
            return nil
        }
        self.secretID = secretID
        self.secretKey = secretKey
        self.sdkAppID = sdkAppID
        self.signName = signName
        self.templateID = templateID
        self.region = region
        self.endpoint = endpoint
        self.host = host
        self.path = path.isEmpty ? "/" : String(path)
    }

    // MARK: Messages

    /// The number in E.164, as `PhoneNumberSet` wants it: an 11-digit mainland number gets `+86`.
    static func vendorNumber(_ recipient: String) -> String? {
        if PhoneNumber.isCNMobile(recipient) {
            return recipient.hasPrefix("+86") ? recipient : "+86" + recipient
        }
        return PhoneNumber.isE164(recipient) ? recipient : nil
    }

    func template(of message: OutboundMessage) -> String? { message.template ?? templateID }

    /// `template_id` is the template of messages without their own, so intake accepts a send naming neither
    /// `template` nor `content` when it is set.
    var hasDefaultTemplate: Bool { templateID != nil }

    /// `TemplateParamSet`: Tencent's variables are positional (`{1}`, `{2}`, …), so parameters are named `1` to
    /// `n` and sent in that order.
    static func templateParams(_ params: [String: String]) throws(MessageProblem) -> [String] {
        guard !params.isEmpty else { return [] }
        var values: [String] = []
        for position in 1...params.count {
            guard let value = params[String(position)] else {
                // n names and one of 1…n missing: some name is not in 1…n.
                let stray = params.keys.sorted().first { Int($0).map { !(1...params.count).contains($0) } ?? true }
                let name = stray ?? String(position)
                throw .badRequest(
                    "Tencent template parameters are positional: name them 1 to \(params.count) (found '\(name)')",
                    field: "params.\(name)")
            }
            values.append(value)
        }
        return values
    }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        guard Self.vendorNumber(message.recipient) != nil else {
            return .invalidRecipient(
                "'\(message.recipient)' is not an E.164 number or an 11-digit mainland China mobile number")
        }
        guard let template = template(of: message), !template.isEmpty else {
            return .badRequest(
                "this channel sends Tencent templates: 'template' is required (no 'template_id' default is set)",
                field: "template")
        }
        do {
            _ = try Self.templateParams(message.params)
        } catch {
            return error
        }
        return nil
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        try request(for: [message], context: context)
    }

    // MARK: Batches

    var maxBatchSize: Int { Self.batchLimit }

    /// One request shares its template and `TemplateParamSet`, and is all mainland or all international numbers.
    func batchKey(for message: OutboundMessage) -> String? {
        guard let template = template(of: message), let number = Self.vendorNumber(message.recipient) else {
            return nil
        }
        let params = JSONValue.object(message.params.mapValues { .string($0) }).serialized
        return [template, number.hasPrefix("+86") ? "cn" : "intl", params].joined(separator: "\u{1F}")
    }

    /// `SendSms` for one or more messages. `SessionContext` is the message id, or the batch's ids joined with `,`
    /// when they fit in 511 bytes (otherwise it is left out: receipts are matched by `SerialNo`).
    func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem) -> VendorRequest {
        guard let first = messages.first else { throw .badRequest("an empty batch") }
        guard messages.count <= Self.batchLimit else {
            throw .badRequest("a SendSms takes at most \(Self.batchLimit) numbers, not \(messages.count)")
        }
        var numbers: [JSONValue] = []
        for message in messages {
            if let problem = check(message) { throw problem }
            if messages.count > 1, batchKey(for: message) != batchKey(for: first) {
                throw .badRequest("a SendSms takes one template and parameter set; the batch mixes several")
            }
            numbers.append(.string(Self.vendorNumber(message.recipient) ?? ""))
        }
        var fields: [String: JSONValue] = [
            "PhoneNumberSet": .array(numbers),
            "SmsSdkAppId": .string(sdkAppID),
            "TemplateId": .string(template(of: first) ?? ""),
            "TemplateParamSet": .array(try Self.templateParams(first.params).map { .string($0) }),
        ]
        if let signName { fields["SignName"] = .string(signName) }
        let session = messages.map(\.id).joined(separator: ",")
        if session.utf8.count <= Self.sessionContextLimit { fields["SessionContext"] = .string(session) }
        let body = Array(JSONValue.object(fields).serialized.utf8)

        let timestamp = context.nowMilliseconds / 1000
        let authorization = TencentTC3Signature.authorization(
            secretID: secretID, secretKey: secretKey, service: "sms", timestamp: timestamp, path: path,
            contentType: Self.contentType, host: host, body: body)
        return VendorRequest(
            method: "POST",
            url: endpoint,
            headers: [
                HTTPHeader("Authorization", authorization), HTTPHeader("Content-Type", Self.contentType),
                HTTPHeader("Host", host), HTTPHeader("X-TC-Action", "SendSms"),
                HTTPHeader("X-TC-Timestamp", String(timestamp)), HTTPHeader("X-TC-Version", "2021-01-11"),
                HTTPHeader("X-TC-Region", region),
            ],
            body: body
        )
    }
}
