import ChannelKit
import Testing

@testable import ChannelAppPush

/// Huawei's `X-HUAWEI-CALLBACK-ID` check (vendors.md §5.2). Huawei publishes no keyed example, so the expected
/// value was computed independently: Python `base64.b64encode(hmac.new(b"hms-callback-key",
/// b"1557131316413abc123gateway", hashlib.sha256).digest())`.
struct HuaweiCallbackCheckTests {
    static let security = HuaweiCallbackCheck(key: Secret("hms-callback-key"), username: "gateway")
    static let value = "tHDHOw5Zm/AfcVR4c+qvIYXPB2365QonWz427oSbFCk="

    static func callback(_ header: String?) -> InboundCallback {
        InboundCallback(
            method: "POST", path: "/", headers: header.map { [HTTPHeader("X-HUAWEI-CALLBACK-ID", $0)] } ?? [],
            body: Array(#"{"statuses":[]}"#.utf8))
    }

    @Test func theSignatureIsHMACSHA256OfTimestampNonceAndUsername() {
        #expect(
            HuaweiCallbackCheck.signature(
                key: Secret("hms-callback-key"), timestamp: "1557131316413", nonce: "abc123", username: "gateway")
                == Self.value)
        let good = Self.callback("timestamp=1557131316413;nonce=abc123;value=\(Self.value)")
        guard case .forward(let forwarded) = Self.security.verify(good) else {
            Issue.record("a correctly signed receipt was refused")
            return
        }
        #expect(forwarded == good)
    }

    @Test(arguments: [
        nil, "timestamp=1557131316413;nonce=abc123", "timestamp=1557131316414;nonce=abc123;value=\(value)",
        "timestamp=1557131316413;nonce=abc123;value=\(value.lowercased())",
        "timestamp=1557131316413;nonce=abc124;value=\(value)",
    ])
    func forgedOrIncompleteHeadersAreRefused(_ header: String?) {
        guard case .unauthorized(let failure) = Self.security.verify(Self.callback(header)) else {
            Issue.record("accepted \(header ?? "no header")")
            return
        }
        #expect(!failure.message.contains("hms-callback-key"))
    }
}
