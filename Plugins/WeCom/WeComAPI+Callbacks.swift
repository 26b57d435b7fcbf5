import ChannelKit
import ChannelWeChatCrypto

extension WeComAPI {
    /// The keys every callback-taking profile adds to its settings.
    static let callbackKeys = ["callback_token", "callback_aes_key"]

    /// The answer to a callback: 200 with an empty body, which WeCom documents as "no passive reply" (WeCom's
    /// receive-message doc, quoted at https://developers.weixin.qq.com/community/enterprisewechat/doc/000e6a5c71c838e56cea529b851400:
    /// "可以直接返回200(即以空串为返回包)"). The Official Account's `success` is not documented for WeCom, where a
    /// non-empty body is read as an (encrypted XML) passive reply.
    static let callbackAnswer = CallbackAnswer(contentType: "text/plain; charset=utf-8", body: "")

    /// Reads `callback_token` and `callback_aes_key` (vendors.md §3.5): both or neither, since WeCom always
    /// encrypts callbacks; the receiver id the plaintext ends with is the corp id.
    static func callbackSecurity(_ settings: ConfigMap, corpID: String?) -> WeChatCallbackSecurity? {
        let token = settings.secret("callback_token")
        let key = settings.secret("callback_aes_key")
        if let token, token.reveal().isEmpty {
            settings.error("callback_token", "'callback_token' must not be empty")
        }
        if let key, !WeChatCallbackCrypto.isEncodingAESKey(key.reveal()) {
            // Never the value: it is a secret.
            settings.error(
                "callback_aes_key",
                "'callback_aes_key' must be the app's 43-character EncodingAESKey (letters, digits, '+', '/')")
        }
        if (token == nil) != (key == nil) {
            settings.error(
                token == nil ? "callback_aes_key" : "callback_token",
                "WeCom callbacks need both 'callback_token' and 'callback_aes_key' (they are always encrypted)")
        }
        guard let token, let key, let corpID else { return nil }
        return .encrypted(token: token, encodingAESKey: key, receiverID: corpID)
    }

    /// Parses a callback the profile's verifier has checked and decrypted. WeCom documents no delivery event for app messages
    /// or customer group sends (the group-send results are pulled with `get_groupmsg_send_result`; the customer
    /// contact events of https://developer.work.weixin.qq.com/document/path/96361 say operations made through the
    /// API raise no callback), so every event is answered and carries no receipt. `nil` without callback settings.
    static func parseCallback(_ callback: InboundCallback, security: WeChatCallbackSecurity?) throws(MessageProblem)
        -> CallbackReport?
    {
        guard security != nil else { return nil }
        let text = String(decoding: callback.body, as: UTF8.self)
        guard text.contains("<xml>"), text.contains("</xml>") else {
            throw .badRequest("the callback body is not WeCom XML")
        }
        return CallbackReport(answer: callbackAnswer)
    }
}
