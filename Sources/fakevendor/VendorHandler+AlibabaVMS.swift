import Foundation
import NIOCore
import NIOHTTP1

/// Alibaba Cloud voice notification (`SingleCallByTts`, dyvmsapi; vendors.md §6.1): a form POST to `/` answered
/// `{"Code":"OK","CallId":"fv-call-N"}`. Each call is recorded under its `CalledNumber`, and `/stats` counts calls;
/// the test then reports results to the gateway's callback listener itself, as Alibaba's VoiceReport push would.
extension VendorHandler {
    /// Answers `POST /` with `Action=SingleCallByTts`; `false` for anything else.
    func handleAlibabaVoice(path: String, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext)
        -> Bool
    {
        guard path == "/", head.method == .POST else { return false }
        let bytes = body.readableBytesView
        var form: [String: String] = [:]
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            form[String(parts[0])] = String(parts[1]).removingPercentEncoding
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
