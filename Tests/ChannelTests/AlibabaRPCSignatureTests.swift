import ChannelAlibabaCloud
import ChannelKit
import Testing

/// Alibaba's own worked example of the RPC v1 signature (vendors.md 2.1.2; the same inputs appear in
/// `WatPro/Tutorials 201805_SMS/DaYu_test.sh` and Alibaba SDK tests).
struct AlibabaRPCSignatureTests {
    static let parameters: [(key: String, value: String)] = [
        ("AccessKeyId", "testId"), ("Action", "SendSms"), ("Format", "XML"), ("OutId", "123"),
        ("PhoneNumbers", "15300000001"), ("RegionId", "cn-hangzhou"), ("SignName", "阿里云短信测试专用"),
        ("SignatureMethod", "HMAC-SHA1"), ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
        ("SignatureVersion", "1.0"), ("TemplateCode", "SMS_71390007"), ("TemplateParam", #"{"customer":"test"}"#),
        ("Timestamp", "2017-07-12T02:42:19Z"), ("Version", "2017-05-25"),
    ]

    @Test func canonicalQueryStringToSignAndSignatureMatchTheWorkedExample() {
        let query = AlibabaRPCSignature.canonicalQuery(Self.parameters.reversed())
        #expect(
            query
                == "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou"
                + "&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8"
                + "&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466"
                + "&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D"
                + "&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25")
        let stringToSign = AlibabaRPCSignature.stringToSign(method: "GET", canonicalQuery: query)
        #expect(
            stringToSign.hasPrefix("GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26P"))
        #expect(
            AlibabaRPCSignature.signature(stringToSign, accessKeySecret: Secret("testSecret"))
                == "zJDF+Lrzhj/ThnlvIToysFRq6t4=")
        let signed = AlibabaRPCSignature.signedQuery(
            method: "GET", parameters: Self.parameters, accessKeySecret: Secret("testSecret"))
        #expect(signed == query + "&Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D")
    }

    @Test func timestampIsUTCToTheSecond() {
        #expect(AlibabaRPCSignature.timestamp(milliseconds: 1_499_827_339_999) == "2017-07-12T02:42:19Z")
        #expect(AlibabaRPCSignature.timestamp(milliseconds: 0) == "1970-01-01T00:00:00Z")
        #expect(AlibabaRPCSignature.timestamp(milliseconds: 1_709_164_800_000) == "2024-02-29T00:00:00Z")
    }

    @Test func percentEncodingKeepsOnlyUnreservedCharacters() {
        #expect(AlibabaRPCSignature.percentEncode("a b*c~d+e/f") == "a%20b%2Ac~d%2Be%2Ff")
    }
}
