import ChannelAlibabaCloud
import ChannelKit

/// The `aliyun` SMS vendor: Alibaba Cloud SMS (`dysmsapi`, version 2017-05-25), vendors.md 2.1.
///
/// One message is a `SendSms`; a batch (up to 100 numbers, one template and sign name) is a `SendBatchSms` whose
/// `TemplateParamJson` carries each message's own parameters. Requests are form `POST`s signed with the RPC v1
/// signature (``AlibabaRPCSignature``). Replies are classified by `Code` (`+Outcome`); every key, its type and
/// default, and the code table are in `Plugins/SMS/README.md`.
struct AliyunSMSProfile: Batching, DefaultTemplateProviding, CustomStringConvertible {
    /// The keys `settings:` may hold.
    static let settingsKeys = [
        "access_key_id", "access_key_secret", "sign_name", "template_code", "endpoint", "region_id",
    ]
    /// The public endpoint (https://help.aliyun.com/document_detail/101343.html).
    static let defaultEndpoint = "https://dysmsapi.aliyuncs.com/"
    /// The region of Alibaba's SDK examples and worked signature example (vendors.md 2.1.1).
    static let defaultRegion = "cn-hangzhou"
    /// `PhoneNumberJson` takes at most 100 numbers (https://help.aliyun.com/document_detail/66041.html).
    static let batchLimit = 100

    let accessKeyID: Secret
    let accessKeySecret: Secret
    let signName: String
    let templateCode: String?
    let endpoint: String
    let regionID: String

    var description: String { "AliyunSMSProfile(endpoint: \(endpoint), region_id: \(regionID))" }

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
        guard let settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues) else {
            return nil
        }
        let accessKeyID = settings.secret("access_key_id", required: true)
        let accessKeySecret = settings.secret("access_key_secret", required: true)
        let signName = settings.plainText("sign_name", required: true)
        if let signName, signName.contains(where: { $0 == "【" || $0 == "】" }) {
            settings.error("sign_name", "'sign_name' is the name inside 【】: write it without the brackets")
        }
        let templateCode = settings.plainText("template_code")
        let endpoint = settings.endpoint(default: Self.defaultEndpoint)
        let regionID = settings.plainText("region_id") ?? Self.defaultRegion
        guard issues.errorCount == errorsBefore, let accessKeyID, let accessKeySecret, let signName, let endpoint
        else { return nil }
        self.accessKeyID = accessKeyID
        self.accessKeySecret = accessKeySecret
        self.signName = signName
        self.templateCode = templateCode
        self.endpoint = endpoint
        self.regionID = regionID
    }

    // MARK: Messages

    /// The number as Alibaba takes it: mainland numbers as 11 digits, others as country code and number without
    /// `+` (https://help.aliyun.com/document_detail/55284.html: "国际/港澳台消息…国际区号+号码").
    static func vendorNumber(_ recipient: String) -> String? {
        if PhoneNumber.isCNMobile(recipient) {
            return recipient.hasPrefix("+86") ? String(recipient.dropFirst(3)) : recipient
        }
        if PhoneNumber.isE164(recipient) { return String(recipient.dropFirst()) }
        return nil
    }

    func template(of message: OutboundMessage) -> String? { message.template ?? templateCode }

    /// `template_code` is the template of messages without their own.
    var hasDefaultTemplate: Bool { templateCode != nil }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        guard Self.vendorNumber(message.recipient) != nil else {
            return .invalidRecipient(
                "'\(message.recipient)' is not an 11-digit mainland China mobile number (optionally +86) or an "
                    + "E.164 number")
        }
        guard let template = template(of: message), !template.isEmpty else {
            return .badRequest(
                "this channel sends Alibaba templates: 'template' is required (no 'template_code' default is set)",
                field: "template")
        }
        return nil
    }

    /// `TemplateParam`: the message's parameters as a JSON object string, keys sorted.
    static func templateParam(_ params: [String: String]) -> JSONValue {
        .object(params.mapValues { .string($0) })
    }

    /// The signed form body for `action` with `business` parameters.
    func signedRequest(action: String, business: [(key: String, value: String)], context: RequestContext)
        -> VendorRequest
    {
        let parameters: [(key: String, value: String)] =
            [
                ("AccessKeyId", accessKeyID.reveal()), ("Action", action), ("Format", "JSON"),
                ("RegionId", regionID), ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureNonce", AlibabaRPCSignature.nonce(context)), ("SignatureVersion", "1.0"),
                ("Timestamp", AlibabaRPCSignature.timestamp(milliseconds: context.nowMilliseconds)),
                ("Version", "2017-05-25"),
            ] + business
        let body = AlibabaRPCSignature.signedQuery(
            method: "POST", parameters: parameters, accessKeySecret: accessKeySecret)
        return VendorRequest(
            method: "POST",
            url: endpoint,
            headers: [
                HTTPHeader("Content-Type", "application/x-www-form-urlencoded"),
                HTTPHeader("Accept", "application/json"),
            ],
            body: Array(body.utf8)
        )
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        if let problem = check(message) { throw problem }
        var business: [(key: String, value: String)] = [
            ("OutId", message.id), ("PhoneNumbers", Self.vendorNumber(message.recipient) ?? ""),
            ("SignName", signName), ("TemplateCode", template(of: message) ?? ""),
        ]
        if !message.params.isEmpty { business.append(("TemplateParam", Self.templateParam(message.params).serialized)) }
        return signedRequest(action: "SendSms", business: business, context: context)
    }

    // MARK: Batches

    var maxBatchSize: Int { Self.batchLimit }

    /// One template per `SendBatchSms`; the sign name is the instance's, so it only keeps keys apart across
    /// instances that share a batcher.
    func batchKey(for message: OutboundMessage) -> String? {
        guard let template = template(of: message) else { return nil }
        return template + "\u{1F}" + signName
    }

    /// `SendBatchSms`: `PhoneNumberJson`, `SignNameJson` and `TemplateParamJson` are parallel arrays, one element per
    /// message. It takes a single `OutId` for the whole request, so none is sent: receipts are matched by `biz_id`
    /// (the batch's `BizId`, given to every recipient) and `phone_number`.
    func request(for messages: [OutboundMessage], context: RequestContext) throws(MessageProblem) -> VendorRequest {
        guard let first = messages.first else { throw .badRequest("an empty batch") }
        if messages.count == 1 { return try request(for: first, context: context) }
        guard messages.count <= Self.batchLimit else {
            throw .badRequest("a SendBatchSms takes at most \(Self.batchLimit) numbers, not \(messages.count)")
        }
        var numbers: [JSONValue] = []
        for message in messages {
            if let problem = check(message) { throw problem }
            guard batchKey(for: message) == batchKey(for: first) else {
                throw .badRequest("a SendBatchSms takes one template; the batch mixes several", field: "template")
            }
            numbers.append(.string(Self.vendorNumber(message.recipient) ?? ""))
        }
        var business: [(key: String, value: String)] = [
            ("PhoneNumberJson", JSONValue.array(numbers).serialized),
            ("SignNameJson", JSONValue.array(messages.map { _ in .string(signName) }).serialized),
            ("TemplateCode", template(of: first) ?? ""),
        ]
        if messages.contains(where: { !$0.params.isEmpty }) {
            let params = JSONValue.array(messages.map { Self.templateParam($0.params) })
            business.append(("TemplateParamJson", params.serialized))
        }
        return signedRequest(action: "SendBatchSms", business: business, context: context)
    }
}
