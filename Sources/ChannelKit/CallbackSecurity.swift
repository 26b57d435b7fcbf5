/// How the core must verify (and decrypt) an instance's callbacks before its adapter sees them.
///
/// The adapter only says which scheme its vendor uses and with which credentials; the core checks every request
/// to `/callbacks/<instance>` (answering 401 to a bad or missing signature), answers the vendor's URL-verification
/// handshake itself and hands ``ChannelAdapter/parseCallback(_:)`` the plaintext body. The description never shows
/// a secret.
public enum CallbackSecurity: Sendable, Hashable, CustomStringConvertible {
    /// WeChat message encryption: WeCom callbacks (always) and the WeChat Official Account's safe mode
    /// (vendors.md §3.5, §4.5; https://developer.work.weixin.qq.com/document/path/90968).
    ///
    /// `msg_signature` = hex(SHA1(sorted concat of token, timestamp, nonce, ciphertext)); the ciphertext (the
    /// `echostr` of the verification GET or the body's `Encrypt` element) is AES-256-CBC with the key
    /// Base64(`encodingAESKey` + "=") and its first 16 bytes as IV, and must end with `receiverID` once decrypted.
    /// A GET with plain `signature` and `echostr` (the Official Account's server check) is answered too.
    /// - Parameters:
    ///   - token: the Token set in the vendor's console.
    ///   - encodingAESKey: the 43-character EncodingAESKey.
    ///   - receiverID: the corp id (WeCom) or app id (Official Account) the plaintext must end with.
    case weChatEncrypted(token: Secret, encodingAESKey: Secret, receiverID: String)

    /// WeChat Official Account plain mode (vendors.md §4.5): `signature` = hex(SHA1(sorted concat of token,
    /// timestamp, nonce)) on every request; the verification GET is answered with its `echostr`.
    /// - Parameter token: the Token set in the account's console.
    case weChatSigned(token: Secret)

    /// Huawei Push Kit receipts: header `X-HUAWEI-CALLBACK-ID: timestamp=…;nonce=…;value=…` where `value` is
    /// Base64(HMAC-SHA256(key, timestamp + nonce + username)) with the key and username set in AppGallery
    /// Connect (vendors.md §5.2).
    case huaweiCallbackID(key: Secret, username: String)

    public var description: String {
        switch self {
        case .weChatEncrypted(_, _, let receiverID):
            "CallbackSecurity.weChatEncrypted(token: <redacted>, encodingAESKey: <redacted>, receiverID: \(receiverID))"
        case .weChatSigned: "CallbackSecurity.weChatSigned(token: <redacted>)"
        case .huaweiCallbackID(_, let username):
            "CallbackSecurity.huaweiCallbackID(key: <redacted>, username: \(username))"
        }
    }

    /// Whether `text` has the shape of an EncodingAESKey: 43 characters of the Base64 alphabet (it decodes, with
    /// one `=` appended, to the 32-byte AES key). Adapters check this when they load their settings.
    public static func isEncodingAESKey(_ text: String) -> Bool {
        text.utf8.count == 43
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                    true
                default: false
                }
            }
    }
}
