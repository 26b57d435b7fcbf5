import GatewayJSON
import NIOCore
import NIOHTTP1

/// Alibaba Cloud's RPC APIs at `/` (form POSTs signed with RPC v1 under the secret `test-sk`, vendors.md §2.1.2):
///
/// - SMS (dysmsapi, §2.1): `SendSms` (`PhoneNumbers`, comma-separated) and `SendBatchSms` (`PhoneNumberJson`,
///   `SignNameJson`, `TemplateParamJson` parallel arrays, at most 100 numbers), each answered
///   `{"Code":"OK","Message":"OK","RequestId":…,"BizId":"fv-biz-N"}`, one BizId for the whole request as Alibaba
///   does; `QuerySendDetails` by number and BizId, or without a BizId listing the number's sends by `OutId`.
/// - Voice (dyvmsapi, §6.1): `SingleCallByTts`, answered `{"Code":"OK",…,"CallId":"fv-call-N"}`.
///
/// Every number of an accepted SMS send is recorded as `<number>\t{"vendor":"aliyun","biz_id":…,"out_id":…}`
/// (`out_id` empty when the request has none); a call as `<number>\t{"call_id":…,"out_id":…}`. With
/// `--report-to`, each number's SmsReport is pushed (``ReportPusher``). Numbers steer the send, whichever number of
/// the request it is: ending in 999, the reply comes a second late (after that number's report); 998, the request
/// is taken but never answered; 997, the first such request is lost (read, not taken, never answered).
extension VendorHandler {
    /// The secret of the stub's Alibaba AccessKey (the tests' and benches' `access_key_secret`).
    static let alibabaSecret = "test-sk"

    /// Answers a form `POST /`; `false` for anything else.
    func handleAlibabaRPC(path: String, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext)
        -> Bool
    {
        guard path == "/", head.method == .POST else { return false }
        let form = FormBody(body.readableBytesView)
        // Alibaba refuses a request whose signature does not match.
        guard AlibabaSignatureCheck.isValid(form: form, method: "POST", secret: Self.alibabaSecret) else {
            respondAlibaba(
                .badRequest, code: "SignatureDoesNotMatch", "Specified signature is not matched", head, context)
            return true
        }
        switch form["Action"] {
        case "SendSms": alibabaSendSms(form, head: head, context: context)
        case "SendBatchSms": alibabaSendBatchSms(form, head: head, context: context)
        case "QuerySendDetails": alibabaQuerySendDetails(form, head: head, context: context)
        case "SingleCallByTts": alibabaSingleCallByTts(form, head: head, context: context)
        case let action:
            respondAlibaba(
                .notFound, code: "InvalidAction.NotFound",
                "Specified api \(action ?? "(none)") is not found, please check your url and method.", head, context)
        }
        return true
    }

    /// Alibaba's answer to a refused request: HTTP 4xx for the OpenAPI gateway's codes, 200 for `isv.*` ones.
    func respondAlibaba(
        _ status: HTTPResponseStatus, code: String, _ message: String, _ head: HTTPRequestHead,
        _ context: ChannelHandlerContext
    ) {
        respond(
            status, #"{"Code":\#(code.jsonQuoted),"Message":\#(message.jsonQuoted),"RequestId":"fv"}"#, head: head,
            context: context)
    }

    /// The first required parameter missing from `form`, answered as Alibaba does (`MissingX`, HTTP 400).
    private func missingParameter(
        _ names: [String], in form: FormBody, _ head: HTTPRequestHead,
        _ context: ChannelHandlerContext
    ) -> Bool {
        guard let name = names.first(where: { (form[$0] ?? "").isEmpty }) else { return false }
        respondAlibaba(.badRequest, code: "Missing" + name, "\(name) is mandatory for this action.", head, context)
        return true
    }

    private func alibabaSendSms(_ form: FormBody, head: HTTPRequestHead, context: ChannelHandlerContext) {
        if missingParameter(["PhoneNumbers", "SignName", "TemplateCode"], in: form, head, context) { return }
        let numbers = (form["PhoneNumbers"] ?? "").split(separator: ",").map(String.init)
        guard numbers.count <= 1000 else {
            respondAlibaba(.ok, code: "isv.MOBILE_COUNT_OVER_LIMIT", "too many numbers", head, context)
            return
        }
        if let parameters = form["TemplateParam"] {
            guard case .object? = JSONValue.parse(parameters.utf8) else {
                respondAlibaba(.ok, code: "isv.INVALID_JSON_PARAM", "TemplateParam is not a JSON object", head, context)
                return
            }
        }
        acceptAlibabaSms(numbers: numbers, outID: form["OutId"] ?? "", head: head, context: context)
    }

    private func alibabaSendBatchSms(_ form: FormBody, head: HTTPRequestHead, context: ChannelHandlerContext) {
        if missingParameter(["PhoneNumberJson", "SignNameJson", "TemplateCode"], in: form, head, context) { return }
        func strings(_ name: String) -> [String]? {
            guard let items = form[name].flatMap({ JSONValue.parse($0.utf8) })?.arrayValue else { return nil }
            let texts = items.compactMap(\.stringValue)
            return texts.count == items.count ? texts : nil
        }
        guard let numbers = strings("PhoneNumberJson"), !numbers.isEmpty, let signs = strings("SignNameJson") else {
            respondAlibaba(
                .ok, code: "isv.INVALID_JSON_PARAM", "PhoneNumberJson and SignNameJson must be JSON arrays of strings",
                head, context)
            return
        }
        guard numbers.count <= 100 else {
            respondAlibaba(.ok, code: "isv.MOBILE_COUNT_OVER_LIMIT", "at most 100 numbers per batch", head, context)
            return
        }
        guard signs.count == numbers.count, signs.allSatisfy({ !$0.isEmpty }) else {
            respondAlibaba(
                .ok, code: "isv.INVALID_PARAMETERS", "SignNameJson must name a sign for each number", head, context)
            return
        }
        if let parameters = form["TemplateParamJson"] {
            guard let items = JSONValue.parse(parameters.utf8)?.arrayValue, items.count == numbers.count,
                items.allSatisfy({ if case .object = $0 { true } else { false } })
            else {
                respondAlibaba(
                    .ok, code: "isv.INVALID_JSON_PARAM",
                    "TemplateParamJson must be a JSON array of one object per number", head, context)
                return
            }
        }
        acceptAlibabaSms(numbers: numbers, outID: form["OutId"] ?? "", head: head, context: context)
    }

    /// Takes an accepted `SendSms` or `SendBatchSms`: one BizId for all its numbers.
    private func acceptAlibabaSms(
        numbers: [String], outID: String, head: HTTPRequestHead, context: ChannelHandlerContext
    ) {
        if numbers.contains(where: { $0.hasSuffix("997") && ledger.isFirstLostSend(number: $0) }) {
            ledger.record(refs: numbers)
            return  // Read and lost: no record of it, no answer (the gateway times out).
        }
        let bizID = "fv-biz-\(ledger.nextSerial())"
        ledger.rememberSend(bizID: bizID, numbers: numbers, outID: outID)
        // A request with a slow number is answered a second late; that number's report comes before the reply.
        let slow = numbers.contains { $0.hasSuffix("999") }
        ledger.reports?.push(numbers: numbers, bizID: bizID, outID: outID, replyDelay: slow ? 1 : 0)
        ledger.record(refs: numbers)
        let record = #"{"vendor":"aliyun","biz_id":\#(bizID.jsonQuoted),"out_id":\#(outID.jsonQuoted)}"#
        recorder?.append(lines: numbers.map { ($0, record) })
        // Taken but never answered: the gateway times out although Alibaba has the message.
        if numbers.contains(where: { $0.hasSuffix("998") }) { return }
        let reply = #"{"Code":"OK","Message":"OK","RequestId":"fv","BizId":\#(bizID.jsonQuoted)}"#
        if slow {
            respondLater(.ok, reply, after: .seconds(1), head: head, context: context)
        } else {
            respond(.ok, reply, head: head, context: context)
        }
    }

    /// `SendStatus` 3 delivered, or 2 failed (UNDELIV) for numbers ending in 0003; unknown ids: no details.
    /// Without a BizId (a gateway asking whether a send it got no answer to arrived): the number's sends, waiting.
    private func alibabaQuerySendDetails(_ form: FormBody, head: HTTPRequestHead, context: ChannelHandlerContext) {
        if missingParameter(["PhoneNumber", "SendDate"], in: form, head, context) { return }
        let number = form["PhoneNumber"] ?? ""
        var details: [String] = []
        if let bizID = form["BizId"] {
            if let sent = ledger.send(bizID: bizID, number: number) {
                let failed = number.hasSuffix("0003")
                details.append(
                    #"{"PhoneNum":\#(number.jsonQuoted),"SendStatus":\#(failed ? 2 : 3),"#
                        + #""ErrCode":"\#(failed ? "UNDELIV" : "DELIVERED")","TemplateCode":"SMS_fv","#
                        + #""ReceiveDate":"2026-11-24 10:00:05","SendDate":"2026-11-24 10:00:00","#
                        + #""OutId":\#(sent.outID.jsonQuoted)}"#)
            }
        } else {
            details = ledger.sendCheck(number: number).map { outID in
                #"{"PhoneNum":\#(number.jsonQuoted),"SendStatus":1,"ErrCode":"","TemplateCode":"SMS_fv","#
                    + #""SendDate":"2026-11-24 10:00:00","OutId":\#(outID.jsonQuoted)}"#
            }
        }
        respond(
            .ok,
            #"{"Code":"OK","Message":"OK","RequestId":"fv","TotalCount":\#(details.count),"#
                + #""SmsSendDetailDTOs":{"SmsSendDetailDTO":["# + details.joined(separator: ",") + "]}}",
            head: head, context: context)
    }

    private func alibabaSingleCallByTts(_ form: FormBody, head: HTTPRequestHead, context: ChannelHandlerContext) {
        if missingParameter(["CalledNumber", "TtsCode"], in: form, head, context) { return }
        let number = form["CalledNumber"] ?? ""
        let callID = "fv-call-\(ledger.nextSerial())"
        ledger.record(ref: number)
        recorder?.append(lines: [
            (number, #"{"call_id":\#(callID.jsonQuoted),"out_id":\#((form["OutId"] ?? "").jsonQuoted)}"#)
        ])
        respond(
            .ok, #"{"Code":"OK","Message":"OK","RequestId":"fv","CallId":\#(callID.jsonQuoted)}"#, head: head,
            context: context)
    }
}
