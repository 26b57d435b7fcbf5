import Foundation
import NIOCore
import NIOHTTP1

/// Alibaba Cloud's RPC APIs at `/` (form POSTs): voice notification `SingleCallByTts` (dyvmsapi; vendors.md §6.1)
/// answered `{"Code":"OK","CallId":"fv-call-N"}`, and SMS `SendSms` (dysmsapi; §2.1) answered
/// `{"Code":"OK","BizId":"fv-biz-N"}`, one second late for numbers ending in 999 (so a test can push a receipt
/// before the gateway has the reply). Each is recorded under its number with the ids; the test then pushes
/// results to the gateway's callback listener itself, as Alibaba's VoiceReport and SmsReport would. A `SendSms` to a
/// number ending in 998 is taken and never answered; the first to a number ending in 997 is lost (read, not taken,
/// never answered). `QuerySendDetails` without a `BizId` lists the number's sends by `OutId`.
extension VendorHandler {
    /// Answers `POST /` with `Action=SingleCallByTts` or `SendSms`; `false` for anything else.
    func handleAlibabaVoice(path: String, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext)
        -> Bool
    {
        guard path == "/", head.method == .POST else { return false }
        let bytes = body.readableBytesView
        var pairs: [(String, String)] = []
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            pairs.append((String(parts[0]), String(parts[1]).removingPercentEncoding ?? ""))
        }
        let form = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
        // Alibaba refuses a request whose signature does not match (the test vendor's secret is test-sk).
        guard AlibabaSignatureCheck.isValid(form: pairs, method: "POST", secret: "test-sk") else {
            respond(
                .badRequest, #"{"Code":"SignatureDoesNotMatch","Message":"Specified signature is not matched"}"#,
                head: head, context: context)
            return true
        }
        if form["Action"] == "QuerySendDetails", form["BizId"] == nil, let number = form["PhoneNumber"] {
            // Without a BizId (a gateway asking whether a send it got no answer to arrived): the number's sends.
            let details = ledger.sendCheck(number: number).map { outID in
                #"{"PhoneNum":"\#(number)","SendStatus":1,"ErrCode":"","SendDate":"2026-11-24 10:00:00","OutId":"\#(outID)"}"#
            }
            respond(
                .ok,
                #"{"Code":"OK","TotalCount":\#(details.count),"SmsSendDetailDTOs":{"SmsSendDetailDTO":["#
                    + details.joined(separator: ",") + "]}}",
                head: head, context: context)
            return true
        }
        if form["Action"] == "QuerySendDetails", let bizID = form["BizId"] {
            // SendStatus 3 delivered, or 2 failed (UNDELIV) for numbers ending in 0003; unknown ids: no details.
            guard let sent = ledger.send(bizID: bizID), sent.number == form["PhoneNumber"] else {
                respond(
                    .ok, #"{"Code":"OK","TotalCount":0,"SmsSendDetailDTOs":{"SmsSendDetailDTO":[]}}"#, head: head,
                    context: context)
                return true
            }
            let failed = sent.number.hasSuffix("0003")
            let detail =
                #"{"PhoneNum":"\#(sent.number)","SendStatus":\#(failed ? 2 : 3),"ErrCode":"\#(failed ? "UNDELIV" : "DELIVERED")","#
                + #""ReceiveDate":"2026-11-24 10:00:05","SendDate":"2026-11-24 10:00:00","OutId":"\#(sent.outID)"}"#
            respond(
                .ok, #"{"Code":"OK","TotalCount":1,"SmsSendDetailDTOs":{"SmsSendDetailDTO":[\#(detail)]}}"#,
                head: head, context: context)
            return true
        }
        if form["Action"] == "SendSms", let number = form["PhoneNumbers"] {
            if number.hasSuffix("997"), ledger.isFirstLostSend(number: number) {
                ledger.record(ref: number)
                return true  // Read and lost: no record of it, no answer (the gateway times out).
            }
            let bizID = "fv-biz-" + ledger.nextMessageID().dropFirst("fv-".count)
            ledger.rememberSend(bizID: bizID, number: number, outID: form["OutId"] ?? "")
            if let reportTo = ledger.reportTo {
                // Slow numbers get their report before their reply (the reply waits a second).
                ReportPusher.push(
                    to: reportTo, number: number, bizID: bizID, outID: form["OutId"] ?? "",
                    delay: number.hasSuffix("999") ? 0 : 0.2)
            }
            ledger.record(ref: number)
            recorder?.append(
                ref: number, body: Array(#"{"biz_id":"\#(bizID)","out_id":"\#(form["OutId"] ?? "")"}"#.utf8))
            // Taken but never answered: the gateway times out although Alibaba has the message.
            if number.hasSuffix("998") { return true }
            let reply = #"{"Code":"OK","Message":"OK","RequestId":"fv","BizId":"\#(bizID)"}"#
            if number.hasSuffix("999") {
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                context.eventLoop.scheduleTask(in: .seconds(1)) {
                    bound.value.0.respond(.ok, reply, head: head, context: bound.value.1)
                }
            } else {
                respond(.ok, reply, head: head, context: context)
            }
            return true
        }
        guard form["Action"] == "SingleCallByTts", let number = form["CalledNumber"] else {
            respond(.badRequest, #"{"Code":"MissingParameter","Message":"CalledNumber"}"#, head: head, context: context)
            return true
        }
        let callID = "fv-call-" + ledger.nextMessageID().dropFirst("fv-".count)
        ledger.record(ref: number)
        recorder?.append(ref: number, body: Array(#"{"call_id":"\#(callID)","out_id":"\#(form["OutId"] ?? "")"}"#.utf8))
        respond(
            .ok, #"{"Code":"OK","Message":"OK","RequestId":"fv","CallId":"\#(callID)"}"#, head: head, context: context)
        return true
    }
}
