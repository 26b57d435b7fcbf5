import GatewayJSON
import NIOCore
import NIOHTTP1

/// Tencent Cloud API 3.0 (vendors.md §2.2): a JSON `POST` naming its action in `X-TC-Action`, signed with
/// `TC3-HMAC-SHA256` under the secret key `test-key` (checked by ``TencentSignatureCheck``).
///
/// `SendSms` (version 2021-01-11, §2.2.3) answers one `SendStatusSet` entry per number of `PhoneNumberSet`
/// (§2.2.4): `Code` `Ok`, `SerialNo` `fv-sn-N`, the request's `SessionContext`. Every number is recorded as
/// `<number as sent>\t{"vendor":"tencent","serial_no":…,"session_context":…}`. Failures of the whole request come
/// as Tencent sends them, HTTP 200 with `Response.Error`.
extension VendorHandler {
    /// The secret key of the stub's Tencent credentials (the benches' `secret_key`).
    static let tencentSecret = "test-key"

    /// Answers any request carrying `X-TC-Action`; `false` for anything else.
    func handleTencentCloud(path: String, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext)
        -> Bool
    {
        guard let action = head.headers.first(name: "X-TC-Action") else { return false }
        let bytes = Array(body.readableBytesView)
        guard head.method == .POST else {
            respondTencent(error: "UnsupportedProtocol", "use POST", head: head, context: context)
            return true
        }
        guard
            TencentSignatureCheck.isValid(
                head: head, path: path, body: bytes, service: "sms", secretKey: Self.tencentSecret)
        else {
            respondTencent(
                error: "AuthFailure.SignatureFailure", "The provided credentials could not be validated.", head: head,
                context: context)
            return true
        }
        guard action == "SendSms" else {
            respondTencent(error: "InvalidAction", "The action \(action) does not exist.", head: head, context: context)
            return true
        }
        guard head.headers.first(name: "X-TC-Version") == "2021-01-11" else {
            respondTencent(error: "NoSuchVersion", "The API version is not supported.", head: head, context: context)
            return true
        }
        tencentSendSms(bytes, head: head, context: context)
        return true
    }

    private func tencentSendSms(_ bytes: [UInt8], head: HTTPRequestHead, context: ChannelHandlerContext) {
        guard let request = JSONValue.parse(bytes), case .object = request else {
            respondTencent(error: "InvalidParameter", "The body is not a JSON object.", head: head, context: context)
            return
        }
        for name in ["PhoneNumberSet", "SmsSdkAppId", "TemplateId"] where request[name] == nil {
            respondTencent(error: "MissingParameter", "The parameter \(name) is missing.", head: head, context: context)
            return
        }
        let items = request["PhoneNumberSet"]?.arrayValue ?? []
        let numbers = items.compactMap(\.stringValue)
        guard !numbers.isEmpty, numbers.count == items.count else {
            respondTencent(
                error: "InvalidParameterValue.IncorrectPhoneNumber", "PhoneNumberSet must list numbers as strings.",
                head: head, context: context)
            return
        }
        guard numbers.count <= 200 else {
            respondTencent(
                error: "LimitExceeded.PhoneNumberCountLimit", "PhoneNumberSet takes at most 200 numbers.", head: head,
                context: context)
            return
        }
        if let parameters = request["TemplateParamSet"],
            !(parameters.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false)
        {
            respondTencent(
                error: "InvalidParameterValue.TemplateParameterFormatError",
                "TemplateParamSet must be an array of strings.", head: head, context: context)
            return
        }
        let session = request["SessionContext"]?.stringValue ?? ""
        var statuses: [String] = []
        var lines: [(ref: String, json: String)] = []
        statuses.reserveCapacity(numbers.count)
        lines.reserveCapacity(numbers.count)
        for number in numbers {
            let serial = "fv-sn-\(ledger.nextSerial())".jsonQuoted
            statuses.append(
                #"{"SerialNo":\#(serial),"PhoneNumber":\#(number.jsonQuoted),"Fee":1,"#
                    + #""SessionContext":\#(session.jsonQuoted),"Code":"Ok","Message":"send success","#
                    + #""IsoCode":"\#(number.hasPrefix("+86") ? "CN" : "XX")"}"#)
            lines.append(
                (number, #"{"vendor":"tencent","serial_no":\#(serial),"session_context":\#(session.jsonQuoted)}"#))
        }
        ledger.record(refs: numbers)
        recorder?.append(lines: lines)
        respond(
            .ok,
            #"{"Response":{"SendStatusSet":["# + statuses.joined(separator: ",") + #"],"RequestId":"fv"}}"#,
            head: head, context: context)
    }

    /// A failure of the whole request: HTTP 200 with `Response.Error` (vendors.md §2.2.4).
    private func respondTencent(
        error code: String, _ message: String, head: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        respond(
            .ok,
            #"{"Response":{"Error":{"Code":\#(code.jsonQuoted),"Message":\#(message.jsonQuoted)},"RequestId":"fv"}}"#,
            head: head, context: context)
    }
}
