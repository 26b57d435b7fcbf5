public import ChannelKit
import Crypto
import Foundation

/// Alibaba Cloud's RPC signature, version 1.0 (`SignatureMethod=HMAC-SHA1`), shared by the SMS (`dysmsapi`) and
/// voice (`dyvmsapi`) profiles.
///
/// Procedure (vendors.md 2.1.2, from https://help.aliyun.com/document_detail/101343.html): percent-encode keys
/// and values (RFC 3986 unreserved characters kept, upper-case hex), sort by encoded key, join with `&`; sign
/// `METHOD&%2F&pe(query)` with HMAC-SHA1 under `AccessKeySecret&`; add `Signature` base64.
public enum AlibabaRPCSignature {
    /// RFC 3986 percent-encoding: `A-Z a-z 0-9 - _ . ~` kept, every other UTF-8 byte as `%XY`.
    public static func percentEncode(_ text: String) -> String {

        PercentEncoding.encode(text)

    }

    /// The parameters encoded, sorted by encoded key (byte order) and joined as `k=v&…`.
    public static func canonicalQuery(_ parameters: [(key: String, value: String)]) -> String {
        parameters.map { (percentEncode($0.key), percentEncode($0.value)) }
            .sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }
            .map { "\($0.0)=\($0.1)" }
            .joined(separator: "&")
    }

    /// `METHOD&%2F&pe(canonical query)`.
    public static func stringToSign(method: String, canonicalQuery: String) -> String {
        method + "&" + percentEncode("/") + "&" + percentEncode(canonicalQuery)
    }

    /// Base64 HMAC-SHA1 of `stringToSign` under `accessKeySecret + "&"`.
    public static func signature(_ stringToSign: String, accessKeySecret: Secret) -> String {
        let key = SymmetricKey(data: Array((accessKeySecret.reveal() + "&").utf8))
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: Array(stringToSign.utf8), using: key)
        return Data(code).base64EncodedString()
    }

    /// The full signed query: the canonical query plus `&Signature=…`, ready for a GET URL or a form body.
    public static func signedQuery(
        method: String, parameters: [(key: String, value: String)], accessKeySecret: Secret
    ) -> String {
        let query = canonicalQuery(parameters)
        let signed = signature(stringToSign(method: method, canonicalQuery: query), accessKeySecret: accessKeySecret)
        return query + "&Signature=" + percentEncode(signed)
    }

    /// `Timestamp`: UTC, ISO 8601 to the second (`2017-07-12T02:42:19Z`).
    public static func timestamp(milliseconds: Int64) -> String {
        let seconds = milliseconds / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):"
            + "\(two(secondOfDay % 60))Z"
    }

    /// `SignatureNonce`: the context's nonce as 16 hex digits with the message's attempt, unique per attempt.
    public static func nonce(_ context: RequestContext) -> String {
        let hex = String(context.nonce, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex + "-\(context.attempt)"
    }
}
