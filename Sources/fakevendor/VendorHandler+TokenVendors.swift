import Foundation
import NIOCore
import NIOHTTP1

/// HMS Push Kit and the WeChat Official Account: their token endpoints and sends, enough to check a gateway's
/// token cache end to end. Tokens are `fv-token-N`; the first one handed out is refused as expired on first use
/// (HMS 80200003, WeChat 42001), an unknown one as invalid (80200001, 40001). Each recipient is recorded.
extension VendorHandler {
    func handleTokenVendors(path: String, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext)
        -> Bool
    {
        let bytes = body.readableBytesView
        switch path {
        case "/oauth2/v3/token":
            // HMS OAuth client credentials (vendors.md §5.2): a form with grant_type, client_id, client_secret.
            let form = String(decoding: bytes, as: UTF8.self)
            guard form.contains("grant_type=client_credentials"), form.contains("client_secret=") else {
                respond(.badRequest, #"{"error":"invalid_request"}"#, head: head, context: context)
                return true
            }
            respond(
                .ok, #"{"access_token":"\#(ledger.issueToken())","expires_in":3600,"token_type":"Bearer"}"#,
                head: head, context: context)
            return true
        case "/cgi-bin/stable_token":
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            guard object?["grant_type"] as? String == "client_credential", object?["secret"] != nil else {
                respond(.ok, #"{"errcode":40002,"errmsg":"invalid grant_type"}"#, head: head, context: context)
                return true
            }
            respond(.ok, #"{"access_token":"\#(ledger.issueToken())","expires_in":7200}"#, head: head, context: context)
            return true
        case "/cgi-bin/message/template/send":
            let token =
                head.uri.split(separator: "access_token=", maxSplits: 1).dropFirst().first.map(String.init) ?? ""
            guard ledger.isValidToken(token) else {
                respond(.ok, #"{"errcode":40001,"errmsg":"invalid credential"}"#, head: head, context: context)
                return true
            }
            guard token != "fv-token-1" else {
                respond(.ok, #"{"errcode":42001,"errmsg":"access_token expired"}"#, head: head, context: context)
                return true
            }
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            guard let user = object?["touser"] as? String, object?["template_id"] != nil else {
                respond(.ok, #"{"errcode":47001,"errmsg":"data format error"}"#, head: head, context: context)
                return true
            }
            ledger.record(ref: user)
            recorder?.append(ref: user, body: bytes)
            let msgid = ledger.nextMessageID().dropFirst("fv-".count)
            respond(.ok, #"{"errcode":0,"errmsg":"ok","msgid":\#(msgid)}"#, head: head, context: context)
            return true
        default:
            guard path.hasPrefix("/v1/"), path.hasSuffix("/messages:send") else { return false }
            let bearer = head.headers.first(name: "Authorization") ?? ""
            let token = bearer.hasPrefix("Bearer ") ? String(bearer.dropFirst(7)) : ""
            guard ledger.isValidToken(token) else {
                respond(
                    .unauthorized, #"{"code":"80200001","msg":"Oauth Authentication error"}"#, head: head,
                    context: context)
                return true
            }
            guard token != "fv-token-1" else {
                respond(
                    .unauthorized, #"{"code":"80200003","msg":"Oauth token expired"}"#, head: head, context: context)
                return true
            }
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            let message = object?["message"] as? [String: Any]
            let tokens = message?["token"] as? [String] ?? []
            guard !tokens.isEmpty else {
                respond(.badRequest, #"{"code":"80100003","msg":"Illegal payload"}"#, head: head, context: context)
                return true
            }
            for device in tokens {
                ledger.record(ref: device)
                recorder?.append(ref: device, body: bytes)
            }
            respond(.ok, #"{"code":"80000000","msg":"Success","requestId":"fv-req"}"#, head: head, context: context)
            return true
        }
    }
}
