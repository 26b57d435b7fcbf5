import Foundation
import NIOCore
import NIOHTTP1

/// A bank CRM receiving the gateway's webhook: `POST /webhook` answers 200, `/webhook-flaky` 503 to its first three
/// POSTs and 200 after, `/webhook-down` always 503. Each accepted POST is recorded under the ref `webhook` as
/// `{"timestamp","signature","payload_base64"}` (the body byte for byte) so a test can check the HMAC and every
/// event.
extension VendorHandler {
    func handleWebhook(path: String, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        guard ["/webhook", "/webhook-flaky", "/webhook-down"].contains(path), head.method == .POST else { return false }
        if path == "/webhook-down" || (path == "/webhook-flaky" && ledger.isEarlyWebhookAttempt()) {
            respond(.serviceUnavailable, #"{"error":"busy"}"#, head: head, context: context)
            return true
        }
        let payload = Data(body.readableBytesView).base64EncodedString()
        let timestamp = head.headers.first(name: "X-Gateway-Timestamp") ?? ""
        let signature = head.headers.first(name: "X-Gateway-Signature") ?? ""
        let record = #"{"timestamp":"\#(timestamp)","signature":"\#(signature)","payload_base64":"\#(payload)"}"#
        recorder?.append(ref: "webhook", body: Array(record.utf8))
        respond(.ok, #"{"ok":true}"#, head: head, context: context)
        return true
    }
}
