import ChannelKit
import ChannelSMS
import Testing

/// Tencent's own worked example of TC3-HMAC-SHA256 (vendors.md 2.2.2 and test vector V3, from
/// https://cloud.tencent.com/document/api/213/30654: CVM `DescribeInstances` at 1551113065).
struct SMSTencentSignatureTests {
    static let secretID = Secret("AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE")
    static let secretKey = Secret("Gu5t9xGARNpq86cd98joQYCN3EXAMPLE")
    static let body = Array(
        #"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#.utf8)
    static let contentType = "application/json; charset=utf-8"

    @Test func everyStepMatchesTheWorkedExample() {
        #expect(
            TencentTC3Signature.sha256Hex(Self.body)
                == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")
        let canonical = TencentTC3Signature.canonicalRequest(
            path: "/", contentType: Self.contentType, host: "cvm.tencentcloudapi.com", body: Self.body)
        #expect(
            canonical
                == "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n"
                + "content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")
        #expect(
            TencentTC3Signature.sha256Hex(Array(canonical.utf8))
                == "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031")
        let date = TencentTC3Signature.date(seconds: 1_551_113_065)
        #expect(date == "2019-02-25")
        let scope = TencentTC3Signature.credentialScope(date: date, service: "cvm")
        let stringToSign = TencentTC3Signature.stringToSign(
            timestamp: 1_551_113_065, scope: scope, canonicalRequest: canonical)
        #expect(
            stringToSign
                == "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
                + "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031")
        #expect(
            TencentTC3Signature.signature(stringToSign, secretKey: Self.secretKey, date: date, service: "cvm")
                == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")
    }

    @Test func authorizationHeaderMatchesTheWorkedExample() {
        let header = TencentTC3Signature.authorization(
            secretID: Self.secretID, secretKey: Self.secretKey, service: "cvm", timestamp: 1_551_113_065, path: "/",
            contentType: Self.contentType, host: "cvm.tencentcloudapi.com", body: Self.body)
        #expect(
            header
                == "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
                + "SignedHeaders=content-type;host, "
                + "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168")
    }

    /// The scope's date is the UTC date: 23:59:59 UTC is already the next day in Beijing, but not in the scope.
    @Test func scopeDateIsUTC() {
        #expect(TencentTC3Signature.date(seconds: 1_764_028_799) == "2025-11-24")
        #expect(TencentTC3Signature.date(seconds: 1_764_028_800) == "2025-11-25")
    }
}
