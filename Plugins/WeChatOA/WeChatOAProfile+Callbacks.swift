import ChannelKit
import ChannelWeChatCrypto

extension WeChatOAProfile: CallbackParsing {
    /// The answer WeChat expects to every push: `success` (vendors.md §4.3, the callback contract).
    static let callbackAnswer = CallbackAnswer(contentType: "text/plain; charset=utf-8", body: "success")

    /// Reads `callback_token` and `callback_aes_key` (vendors.md §4.5): none takes no callbacks, a token alone is
    /// plain mode (`signature`), both are safe mode (`msg_signature` and AES, with the app id as receiver id).
    static func callbackSecurity(_ settings: ConfigMap, appID: String?) -> WeChatCallbackSecurity? {
        let token = settings.secret("callback_token")
        let key = settings.secret("callback_aes_key")
        if let token, token.reveal().isEmpty {
            settings.error("callback_token", "'callback_token' must not be empty")
        }
        if let key, !WeChatCallbackCrypto.isEncodingAESKey(key.reveal()) {
            // Never the value: it is a secret.
            settings.error(
                "callback_aes_key",
                "'callback_aes_key' must be the account's 43-character EncodingAESKey (letters, digits, '+', '/')")
        }
        if key != nil, token == nil {
            settings.error("callback_aes_key", "'callback_aes_key' needs 'callback_token' (safe mode signs too)")
        }
        guard let token, let appID else { return nil }
        guard let key else { return .signed(token: token) }
        return .encrypted(token: token, encodingAESKey: key, receiverID: appID)
    }

    /// Parses a push the profile's verifier has checked (and decrypted): `TEMPLATESENDJOBFINISH` becomes a receipt for its
    /// `MsgID` (the template send's `msgid`); any other event or message is answered and carries nothing.
    /// Without `callback_token` the instance takes no callbacks (the core answers 404).
    func parseCallback(_ callback: InboundCallback) throws(MessageProblem) -> CallbackReport? {
        guard callbackSecurity != nil else { return nil }
        guard let xml = WeChatXML(callback.body) else {
            throw .badRequest("the callback body is not WeChat XML")
        }
        guard xml["MsgType"] == "event", xml["Event"] == "TEMPLATESENDJOBFINISH" else {
            return CallbackReport(answer: Self.callbackAnswer)
        }
        guard let messageID = xml["MsgID"], !messageID.isEmpty, let status = xml["Status"], !status.isEmpty else {
            throw .badRequest("TEMPLATESENDJOBFINISH without MsgID or Status")
        }
        let receipt = Receipt(
            vendorMessageID: messageID,
            recipient: xml["FromUserName"],
            event: Self.templateEvent(status),
            occurredAtMilliseconds: xml["CreateTime"].flatMap { Int64($0) }.map { $0 * 1000 },
            vendorStatus: status
        )
        return CallbackReport(receipts: [receipt], answer: Self.callbackAnswer)
    }

    /// A `TEMPLATESENDJOBFINISH` `Status`, read with spaces removed and case ignored (vendors.md §4.3 and D7:
    /// the doc writes both `failed:user block` and `failed: system failed`).
    static func templateEvent(_ status: String) -> Receipt.Event {
        let normalized = String(status.filter { !$0.isWhitespace }).lowercased()
        switch normalized {
        case "success":
            return .delivered
        case "failed:userblock":
            return .failed(Reason(.invalidRecipient, vendorCode: status, detail: "the user blocks the account"))
        case "failed:systemfailed":
            return .failed(Reason(.vendorUnavailable, vendorCode: status, detail: "WeChat failed to deliver"))
        case "failed:freqlimit":
            // Community reports only [U]: the user received too many template messages.
            return .failed(Reason(.throttled, vendorCode: status, detail: "frequency limit"))
        default:
            return .failed(Reason(.unknown, vendorCode: String(status.prefix(80)), detail: "undocumented status"))
        }
    }
}
