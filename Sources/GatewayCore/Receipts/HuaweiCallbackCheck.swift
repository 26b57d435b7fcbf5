import ChannelKit
import Crypto
import Foundation

/// Huawei Push Kit's receipt-callback authentication (vendors.md §5.2, from
/// https://developer.huawei.com/consumer/en/doc/HMSCore-References-V5/https-send-receipt-api-0000001051066120-V5/):
/// header `X-HUAWEI-CALLBACK-ID: timestamp=<ms>;nonce=<text>;value=<Base64(HMAC-SHA256(key, timestamp + nonce +
/// username))>`, with the key and username configured in AppGallery Connect. Pure.
enum HuaweiCallbackCheck {
    static func check(_ callback: InboundCallback, key: Secret, username: String) -> WeChatCallbackCrypto.Verdict {
        guard let header = callback.headers.value(named: "X-HUAWEI-CALLBACK-ID") else {
            return .unauthorized(WeChatCallbackCrypto.Failure("no X-HUAWEI-CALLBACK-ID header"))
        }
        var fields: [String: String] = [:]
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            fields[pair[0].trimmingCharacters(in: .whitespaces)] = String(pair[1]).trimmingCharacters(in: .whitespaces)
        }
        guard let timestamp = fields["timestamp"], let nonce = fields["nonce"], let value = fields["value"] else {
            return .unauthorized(WeChatCallbackCrypto.Failure("X-HUAWEI-CALLBACK-ID lacks timestamp, nonce or value"))
        }
        let expected = signature(key: key, timestamp: timestamp, nonce: nonce, username: username)
        // Base64 is case-sensitive: compared exactly.
        guard WeChatCallbackCrypto.sameBytes(expected, value) else {
            return .unauthorized(WeChatCallbackCrypto.Failure("X-HUAWEI-CALLBACK-ID value does not match"))
        }
        return .forward(callback)
    }

    /// Base64(HMAC-SHA256(key, timestamp + nonce + username)).
    static func signature(key: Secret, timestamp: String, nonce: String, username: String) -> String {
        let code = HMAC<Crypto.SHA256>.authenticationCode(
            for: Array((timestamp + nonce + username).utf8), using: SymmetricKey(data: Array(key.reveal().utf8)))
        return Data(code).base64EncodedString()
    }
}
