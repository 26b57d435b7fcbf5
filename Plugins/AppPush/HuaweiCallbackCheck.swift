public import ChannelKit
import Crypto
import Foundation

/// Huawei Push Kit's receipt-callback authentication (vendors.md §5.2, from
/// https://developer.huawei.com/consumer/en/doc/HMSCore-References-V5/https-send-receipt-api-0000001051066120-V5/):
/// header `X-HUAWEI-CALLBACK-ID: timestamp=<ms>;nonce=<text>;value=<Base64(HMAC-SHA256(key, timestamp + nonce +
/// username))>`, with the key and username configured in AppGallery Connect. Pure; the description never shows
/// the key.
public struct HuaweiCallbackCheck: CallbackVerifier, Hashable {
    /// The callback key set in AppGallery Connect.
    public let key: Secret
    /// The callback username set in AppGallery Connect.
    public let username: String

    public init(key: Secret, username: String) {
        self.key = key
        self.username = username
    }

    public func verify(_ callback: InboundCallback) -> CallbackVerdict {
        guard let header = callback.headers.value(named: "X-HUAWEI-CALLBACK-ID") else {
            return .unauthorized(CallbackRejection("no X-HUAWEI-CALLBACK-ID header"))
        }
        var fields: [String: String] = [:]
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            fields[pair[0].trimmingCharacters(in: .whitespaces)] = String(pair[1]).trimmingCharacters(in: .whitespaces)
        }
        guard let timestamp = fields["timestamp"], let nonce = fields["nonce"], let value = fields["value"] else {
            return .unauthorized(CallbackRejection("X-HUAWEI-CALLBACK-ID lacks timestamp, nonce or value"))
        }
        let expected = Self.signature(key: key, timestamp: timestamp, nonce: nonce, username: username)
        // Base64 is case-sensitive: compared exactly.
        guard ConstantTime.equal(expected, value) else {
            return .unauthorized(CallbackRejection("X-HUAWEI-CALLBACK-ID value does not match"))
        }
        return .forward(callback)
    }

    public var description: String { "HuaweiCallbackCheck(key: <redacted>, username: \(username))" }

    /// Base64(HMAC-SHA256(key, timestamp + nonce + username)).
    static func signature(key: Secret, timestamp: String, nonce: String, username: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Array((timestamp + nonce + username).utf8), using: SymmetricKey(data: Array(key.reveal().utf8)))
        return Data(code).base64EncodedString()
    }
}
