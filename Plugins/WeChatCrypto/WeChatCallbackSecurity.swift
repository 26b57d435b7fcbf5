public import ChannelKit

/// How an instance's WeChat callbacks are checked: WeCom callbacks (always encrypted) and the WeChat Official
/// Account's plain and safe modes (vendors.md §3.5, §4.5). The description never shows a secret.
public enum WeChatCallbackSecurity: CallbackVerifier, Hashable {
    /// WeChat message encryption: WeCom callbacks and the Official Account's safe mode
    /// (https://developer.work.weixin.qq.com/document/path/90968).
    ///
    /// `msg_signature` = hex(SHA1(sorted concat of token, timestamp, nonce, ciphertext)); the ciphertext (the
    /// `echostr` of the verification GET or the body's `Encrypt` element) is AES-256-CBC with the key
    /// Base64(`encodingAESKey` + "=") and its first 16 bytes as IV, and must end with `receiverID` once decrypted.
    /// A GET with plain `signature` and `echostr` (the Official Account's server check) is answered too.
    /// - Parameters:
    ///   - token: the Token set in the vendor's console.
    ///   - encodingAESKey: the 43-character EncodingAESKey.
    ///   - receiverID: the corp id (WeCom) or app id (Official Account) the plaintext must end with.
    case encrypted(token: Secret, encodingAESKey: Secret, receiverID: String)

    /// WeChat Official Account plain mode: `signature` = hex(SHA1(sorted concat of token, timestamp, nonce)) on
    /// every request; the verification GET is answered with its `echostr`.
    /// - Parameter token: the Token set in the account's console.
    case signed(token: Secret)

    public func verify(_ callback: InboundCallback) -> CallbackVerdict {
        WeChatCallbackCrypto.check(callback, security: self)
    }

    public var description: String {
        switch self {
        case .encrypted(_, _, let receiverID):
            "WeChatCallbackSecurity.encrypted(token: <redacted>, encodingAESKey: <redacted>, receiverID: \(receiverID))"
        case .signed: "WeChatCallbackSecurity.signed(token: <redacted>)"
        }
    }
}
