import GatewayJSON
import NIOCore
import NIOHTTP1

/// JPush REST API v3 `POST /v3/push` (vendors.md §5.1): HTTP Basic auth with any non-empty AppKey and master
/// secret, a JSON body with `platform`, `audience.registration_id` and a `notification` or `message`. Answered
/// `{"sendno":…,"msg_id":"N"}` (one msg_id for the whole push, `sendno` echoed from `options`, else "0"). The
/// registration id `ghost` resolves to no device: a push to nothing but ghosts fails with 1011, as JPush fails a
/// push whose audience resolves to nobody. Each other id is recorded under its own ref with the body.
extension VendorHandler {
    func handleJPush(path: String, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        guard path == "/v3/push" else { return false }
        func error(_ status: HTTPResponseStatus, _ code: Int, _ message: String) {
            respond(
                status, #"{"error":{"code":\#(code),"message":\#(message.jsonQuoted)}}"#, head: head, context: context)
        }
        guard head.method == .POST else {
            error(.methodNotAllowed, 1003, "use POST")
            return true
        }
        guard Self.hasBasicCredentials(head.headers.first(name: "Authorization") ?? "") else {
            error(.unauthorized, 1004, "Authen failed")
            return true
        }
        let bytes = body.readableBytesView
        guard let push = JSONValue.parse(bytes), push["platform"] != nil,
            push["notification"] != nil || push["message"] != nil
        else {
            error(.badRequest, 1002, "Missing parameter: platform and notification or message are required")
            return true
        }
        guard let audience = push["audience"]?["registration_id"]?.arrayValue, !audience.isEmpty,
            audience.count <= 1000
        else {
            error(.badRequest, 1003, "audience.registration_id must list 1 to 1000 ids")
            return true
        }
        let ids = audience.compactMap(\.stringValue)
        guard ids.count == audience.count else {
            error(.badRequest, 1003, "registration ids must be strings")
            return true
        }
        let msgID = String(ledger.nextSerial())
        let reached = ids.filter { $0 != "ghost" }
        guard !reached.isEmpty else {
            respond(
                .badRequest,
                #"{"msg_id":"\#(msgID)","error":{"code":1011,"message":"cannot find user by this audience"}}"#,
                head: head, context: context)
            return true
        }
        for id in reached {
            ledger.record(ref: id)
            recorder?.append(ref: id, body: bytes)
        }
        let sendno = push["options"]?["sendno"]?.text ?? "0"
        respond(.ok, #"{"sendno":\#(sendno.jsonQuoted),"msg_id":"\#(msgID)"}"#, head: head, context: context)
        return true
    }

    /// Whether `authorization` is `Basic base64(key:secret)` with both parts non-empty.
    static func hasBasicCredentials(_ authorization: String) -> Bool {
        guard authorization.hasPrefix("Basic ") else { return false }
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bits: UInt32 = 0
        var count = 0
        var decoded: [UInt8] = []
        for byte in authorization.utf8.dropFirst("Basic ".count) where byte != UInt8(ascii: "=") {
            guard let value = table.firstIndex(of: byte) else { return false }
            bits = bits << 6 | UInt32(value)
            count += 6
            if count >= 8 {
                count -= 8
                decoded.append(UInt8((bits >> UInt32(count)) & 0xFF))
            }
        }
        guard let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return false }
        return colon > 0 && colon < decoded.count - 1
    }
}
