import ChannelAlibabaCloud
public import ChannelKit
import Crypto

/// Tencent Cloud API 3.0 request signing, `TC3-HMAC-SHA256`, for a JSON `POST` with signed headers
/// `content-type;host`. Public so the call queue's Tencent voice (VMS) profile can sign the same way.
///
/// Procedure (vendors.md 2.2.2, from https://cloud.tencent.com/document/api/213/30654 and
/// https://cloud.tencent.com/document/api/382/52072): the canonical request
/// `POST \n URI \n (empty query) \n content-type:…\nhost:…\n \n content-type;host \n hex(SHA256(body))`; the string
/// to sign `TC3-HMAC-SHA256 \n timestamp \n date/service/tc3_request \n hex(SHA256(canonical request))`; the key
/// `HMAC("TC3"+SecretKey, date)` → `HMAC(·, service)` → `HMAC(·, "tc3_request")`; the signature is the lower-case
/// hex HMAC-SHA256 of the string to sign. Checked against Tencent's worked example in
/// `Tests/ChannelTests/SMSTencentSignatureTests.swift`.
public enum TencentTC3Signature {
    /// The headers signed, in canonical (sorted) order.
    public static let signedHeaders = "content-type;host"

    /// Lower-case hex SHA-256 of some bytes.
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        HexEncoding.lowercase(SHA256.hash(data: Array(bytes)))
    }

    /// The canonical request of a `POST` without a query string.
    /// - Parameters:
    ///   - path: the canonical URI (`/` for the public endpoints).
    ///   - contentType: the `Content-Type` header value, as sent.
    ///   - host: the `Host` header value, as sent.
    ///   - body: the exact body bytes.
    public static func canonicalRequest(path: String, contentType: String, host: String, body: [UInt8]) -> String {
        "POST\n\(path)\n\ncontent-type:\(contentType.lowercased())\nhost:\(host.lowercased())\n\n"
            + "\(signedHeaders)\n\(sha256Hex(body))"
    }

    /// `yyyy-MM-dd`, the UTC date of a Unix time in seconds (the credential scope's date).
    public static func date(seconds: Int64) -> String {
        // Alibaba's ISO 8601 UTC timestamp begins with the same civil date.
        String(AlibabaRPCSignature.timestamp(milliseconds: seconds * 1000).prefix(10))
    }

    /// `date/service/tc3_request`.
    public static func credentialScope(date: String, service: String) -> String {
        "\(date)/\(service)/tc3_request"
    }

    /// `TC3-HMAC-SHA256 \n timestamp \n scope \n hex(SHA256(canonical request))`.
    public static func stringToSign(timestamp: Int64, scope: String, canonicalRequest: String) -> String {
        "TC3-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(sha256Hex(Array(canonicalRequest.utf8)))"
    }

    /// The lower-case hex signature of `stringToSign` under the key derived from `secretKey`, `date` and
    /// `service`.
    public static func signature(_ stringToSign: String, secretKey: Secret, date: String, service: String) -> String {
        let secretDate = hmac(Array(date.utf8), key: Array(("TC3" + secretKey.reveal()).utf8))
        let secretService = hmac(Array(service.utf8), key: secretDate)
        let secretSigning = hmac(Array("tc3_request".utf8), key: secretService)
        return HexEncoding.lowercase(hmac(Array(stringToSign.utf8), key: secretSigning))
    }

    /// The `Authorization` header value:
    /// `TC3-HMAC-SHA256 Credential=<SecretId>/<scope>, SignedHeaders=content-type;host, Signature=<hex>`.
    public static func authorization(
        secretID: Secret, secretKey: Secret, service: String, timestamp: Int64, path: String, contentType: String,
        host: String, body: [UInt8]
    ) -> String {
        let date = date(seconds: timestamp)
        let scope = credentialScope(date: date, service: service)
        let request = canonicalRequest(path: path, contentType: contentType, host: host, body: body)
        let signed = signature(
            stringToSign(timestamp: timestamp, scope: scope, canonicalRequest: request), secretKey: secretKey,
            date: date, service: service)
        return "TC3-HMAC-SHA256 Credential=\(secretID.reveal())/\(scope), SignedHeaders=\(signedHeaders), "
            + "Signature=\(signed)"
    }

    static func hmac(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }
}
