import ChannelAlibabaCloud
import ChannelKit

/// Alibaba Cloud Voice Messaging Service (`dyvmsapi`, version 2017-05-25): one text-to-speech notification call
/// per message, by approved TTS template, with `SingleCallByTts`.
///
/// Sources: vendors.md §6.1 (https://help.aliyun.com/document_detail/393519.html,
/// https://help.aliyun.com/document_detail/114035.htm). The request is an RPC call signed with Alibaba's RPC v1
/// signature (``AlibabaRPCSignature``, vendors.md §2.1.2), sent as a form body. Reply classification is in
/// `+Outcome`, the `VoiceReport` call-result callback in `+VoiceReport`.
struct AliyunVMSProfile: DefaultTemplateProviding, CustomStringConvertible {
    /// The keys `settings:` may hold.
    static let settingsKeys = [
        "access_key_id", "access_key_secret", "called_show_number", "tts_code", "play_times", "endpoint",
    ]
    /// Alibaba's public endpoint.
    static let defaultEndpoint = "https://dyvmsapi.aliyuncs.com/"
    /// `OutId` is 1 to 15 bytes (vendors.md §6.1.1).
    static let maximumOutIDLength = 15

    let accessKeyID: Secret
    let accessKeySecret: Secret
    /// `CalledShowNumber`: the caller id (dedicated mode); `nil` uses Alibaba's shared pool.
    let calledShowNumber: String?
    /// The TTS template used when a message names none.
    let ttsCode: String?
    /// With `tts_code` set, intake accepts a call naming neither `template` nor `content`.
    var hasDefaultTemplate: Bool { ttsCode != nil }
    /// `PlayTimes` (1 to 3); `nil` leaves Alibaba's default (3).
    let playTimes: Int?
    let endpoint: String

    /// Reads `settings:`, reporting every problem; `nil` if there was any.
    init?(setup: ChannelKind.Setup, issues: ConfigIssueCollector) {
        let errorsBefore = issues.errorCount
        let node = setup.settings ?? .scalar(ConfigScalar(text: "", mark: setup.mark))
        guard let settings = ConfigMap(node, context: "settings", keys: Self.settingsKeys, issues: issues) else {
            return nil
        }
        let accessKeyID = settings.secret("access_key_id", required: true)
        let accessKeySecret = settings.secret("access_key_secret", required: true)
        let calledShowNumber = settings.string("called_show_number")
        if let calledShowNumber, calledShowNumber.isEmpty || !calledShowNumber.utf8.allSatisfy(Self.isDigit) {
            settings.error("called_show_number", "'called_show_number' must be the caller number's digits")
        }
        let ttsCode = settings.string("tts_code")
        if let ttsCode, !Self.isTemplateCode(ttsCode) {
            settings.error("tts_code", "'tts_code' must be a TTS template code such as TTS_10001")
        }
        let playTimes = settings.int("play_times", in: 1...3)
        let endpoint = settings.string("endpoint") ?? Self.defaultEndpoint
        if !endpoint.hasPrefix("https://") && !endpoint.hasPrefix("http://") {
            settings.error("endpoint", "'endpoint' must start with http:// or https://")
        }
        guard issues.errorCount == errorsBefore, let accessKeyID, let accessKeySecret else { return nil }
        self.accessKeyID = accessKeyID
        self.accessKeySecret = accessKeySecret
        self.calledShowNumber = calledShowNumber
        self.ttsCode = ttsCode
        self.playTimes = playTimes
        self.endpoint = endpoint
    }

    // Secrets are redacted anyway; the description names only what is safe to log.
    var description: String { "AliyunVMSProfile(endpoint: \(endpoint))" }

    func check(_ message: OutboundMessage) -> MessageProblem? {
        guard Self.calledNumber(message.recipient) != nil else {
            return .invalidRecipient(
                "'\(message.recipient)' is not a mainland China number (an 11-digit mobile starting with 1, or a "
                    + "landline with its area code starting with 0; optionally +86)"
            )
        }
        guard let code = message.template ?? ttsCode else {
            return .badRequest(
                "this channel calls with a TTS template: 'template' is required (no 'tts_code' default)",
                field: "template"
            )
        }
        guard Self.isTemplateCode(code) else {
            return .badRequest("'\(code)' is not a TTS template code such as TTS_10001", field: "template")
        }
        return nil
    }

    func request(for message: OutboundMessage, context: RequestContext) throws(MessageProblem) -> VendorRequest {
        if let problem = check(message) { throw problem }
        guard let number = Self.calledNumber(message.recipient), let code = message.template ?? ttsCode else {
            throw .badRequest("unsendable message")
        }
        var parameters: [(key: String, value: String)] = [
            ("AccessKeyId", accessKeyID.reveal()),
            ("Action", "SingleCallByTts"),
            ("CalledNumber", number),
            ("Format", "JSON"),
            ("RegionId", "cn-hangzhou"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", AlibabaRPCSignature.nonce(context)),
            ("SignatureVersion", "1.0"),
            ("Timestamp", AlibabaRPCSignature.timestamp(milliseconds: context.nowMilliseconds)),
            ("TtsCode", code),
            ("Version", "2017-05-25"),
        ]
        if let calledShowNumber { parameters.append(("CalledShowNumber", calledShowNumber)) }
        if let playTimes { parameters.append(("PlayTimes", String(playTimes))) }
        if !message.params.isEmpty {
            // A JSON string of the template's variables, keys sorted so the request is reproducible.
            parameters.append(("TtsParam", JSONValue.object(message.params.mapValues(JSONValue.string)).serialized))
        }
        if let outID = Self.outID(message.id) { parameters.append(("OutId", outID)) }
        let body = AlibabaRPCSignature.signedQuery(
            method: "POST", parameters: parameters, accessKeySecret: accessKeySecret)
        return VendorRequest(
            method: "POST",
            url: endpoint,
            headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(body.utf8)
        )
    }

    // MARK: Values

    /// The number as Alibaba takes it, in national form, or `nil` if it is not a mainland mobile or landline.
    ///
    /// Mobiles are 11 digits starting with 1. Landlines are 0, a 2- or 3-digit area code and a 7- or 8-digit
    /// number (10 to 12 digits); in `+86` form the 0 is dropped (`+8657188886666` is called as `057188886666`),
    /// though `+860…` is taken too.
    static func calledNumber(_ recipient: String) -> String? {
        let international = recipient.hasPrefix("+86")
        let number = international ? String(recipient.dropFirst(3)) : recipient
        let digits = Array(number.utf8)
        guard digits.allSatisfy(isDigit), let first = digits.first else { return nil }
        if first == UInt8(ascii: "1"), digits.count == 11 { return number }
        if first == UInt8(ascii: "0") { return (10...12).contains(digits.count) ? number : nil }
        if international, (9...11).contains(digits.count) { return "0" + number }
        return nil
    }

    /// `OutId`: the message id, or its last 15 bytes when longer (a gateway id is `m` and a 26-character ULID,
    /// whose last 16 characters are random); `nil` for an empty id. The receipt is matched by `CallId` first.
    static func outID(_ id: String) -> String? {
        guard !id.isEmpty else { return nil }
        var tail = Substring(id)
        while tail.utf8.count > maximumOutIDLength { tail.removeFirst() }
        return String(tail)
    }

    /// A template code: letters, digits, `_` and `-`, 1 to 64 of them.
    static func isTemplateCode(_ code: String) -> Bool {
        (1...64).contains(code.utf8.count)
            && code.utf8.allSatisfy {
                isDigit($0) || isLetter($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
}
