import Crypto
import NIOHTTP1

/// Checks a Tencent Cloud `TC3-HMAC-SHA256` signature the way Tencent's servers do (vendors.md §2.2.2), from the
/// request as received: the headers named in `SignedHeaders`, the body's hash, `X-TC-Timestamp` and the scope's
/// date. Written apart from the gateway's signer so the stub is an independent check. The signature's age is not
/// checked (Tencent refuses one over 5 minutes old): the stub has no clock to agree on.
enum TencentSignatureCheck {
    static func isValid(head: HTTPRequestHead, path: String, body: [UInt8], service: String, secretKey: String)
        -> Bool
    {
        guard let authorization = head.headers.first(name: "Authorization"),
            authorization.hasPrefix("TC3-HMAC-SHA256 "),
            let timestampText = head.headers.first(name: "X-TC-Timestamp"), let timestamp = Int64(timestampText)
        else { return false }
        var fields: [Substring: Substring] = [:]
        for part in authorization.dropFirst("TC3-HMAC-SHA256 ".count).split(separator: ",") {
            let pair = part.trimmingSpaces.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { fields[pair[0]] = pair[1] }
        }
        guard let credential = fields["Credential"], let signedHeaders = fields["SignedHeaders"],
            let signature = fields["Signature"]
        else { return false }
        let scope = credential.split(separator: "/")
        let date = utcDate(seconds: timestamp)
        guard scope.count == 4, scope[1] == date, scope[2] == service, scope[3] == "tc3_request" else { return false }
        let names = signedHeaders.split(separator: ";").map { $0.lowercased() }
        guard names.contains("content-type"), names.contains("host"), names == names.sorted() else { return false }
        var canonicalHeaders = ""
        for name in names {
            guard let value = head.headers.first(name: name) else { return false }
            canonicalHeaders += name + ":" + value.trimmingSpaces.lowercased() + "\n"
        }
        let query = head.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
        let canonicalRequest =
            "\(head.method.rawValue)\n\(path)\n\(query)\n\(canonicalHeaders)\n\(signedHeaders)\n\(hex(SHA256.hash(data: body)))"
        let stringToSign =
            "TC3-HMAC-SHA256\n\(timestamp)\n\(date)/\(service)/tc3_request\n"
            + hex(SHA256.hash(data: Array(canonicalRequest.utf8)))
        let secretDate = hmac(Array(date.utf8), key: Array(("TC3" + secretKey).utf8))
        let secretService = hmac(Array(service.utf8), key: secretDate)
        let secretSigning = hmac(Array("tc3_request".utf8), key: secretService)
        return hex(hmac(Array(stringToSign.utf8), key: secretSigning)) == signature
    }

    /// `yyyy-MM-dd`, the UTC civil date of a Unix time (days-from-civil inverted, Howard Hinnant's algorithm).
    static func utcDate(seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func padded(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: out, as: UTF8.self)
    }

    static func hmac(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key)))
    }
}
