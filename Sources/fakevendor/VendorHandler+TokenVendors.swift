import GatewayJSON
import NIOCore
import NIOHTTP1

/// HMS Push Kit, FCM and the WeChat Official Account: their token endpoints and sends, enough to check a gateway's
/// token cache end to end. Tokens are `fv-token-N`; the first one handed out is refused as expired on first use
/// (HMS 80200003, FCM 401 UNAUTHENTICATED, WeChat 42001), an unknown one as invalid (80200001, 401, 40001). Each
/// recipient is recorded under its own ref with the body.
extension VendorHandler {
    func handleTokenVendors(path: String, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext)
        -> Bool
    {
        let bytes = body.readableBytesView
        switch path {
        case "/oauth2/v3/token":
            // HMS OAuth client credentials (vendors.md §5.2): a form with grant_type, client_id, client_secret.
            let form = FormBody(bytes)
            guard form["grant_type"] == "client_credentials", form["client_secret"] != nil else {
                respond(.badRequest, #"{"error":"invalid_request"}"#, head: head, context: context)
                return true
            }
            respond(
                .ok, #"{"access_token":"\#(ledger.issueToken())","expires_in":3600,"token_type":"Bearer"}"#,
                head: head, context: context)
            return true
        case "/token":
            // Google OAuth for FCM (vendors.md §5.5): a JWT-bearer grant with a service-account assertion.
            let form = FormBody(bytes)
            guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer",
                (form["assertion"] ?? "").split(separator: ".").count == 3
            else {
                respond(.badRequest, #"{"error":"invalid_grant"}"#, head: head, context: context)
                return true
            }
            respond(
                .ok, #"{"access_token":"\#(ledger.issueToken())","expires_in":3599,"token_type":"Bearer"}"#,
                head: head, context: context)
            return true
        case "/cgi-bin/stable_token":
            let object = JSONValue.parse(bytes)
            guard object?["grant_type"]?.stringValue == "client_credential", object?["secret"] != nil else {
                respond(.ok, #"{"errcode":40002,"errmsg":"invalid grant_type"}"#, head: head, context: context)
                return true
            }
            respond(.ok, #"{"access_token":"\#(ledger.issueToken())","expires_in":7200}"#, head: head, context: context)
            return true
        case "/cgi-bin/message/template/send", "/cgi-bin/message/subscribe/bizsend":
            // Template message (vendors.md §4.2, answered with a msgid) and subscription notification (§4.4, none).
            let token = Self.queryValue("access_token", in: head.uri) ?? ""
            guard ledger.isValidToken(token) else {
                respond(.ok, #"{"errcode":40001,"errmsg":"invalid credential"}"#, head: head, context: context)
                return true
            }
            guard token != "fv-token-1" else {
                respond(.ok, #"{"errcode":42001,"errmsg":"access_token expired"}"#, head: head, context: context)
                return true
            }
            let object = JSONValue.parse(bytes)
            guard let user = object?["touser"]?.stringValue, object?["template_id"] != nil, object?["data"] != nil
            else {
                respond(.ok, #"{"errcode":47001,"errmsg":"data format error"}"#, head: head, context: context)
                return true
            }
            ledger.record(ref: user)
            recorder?.append(ref: user, body: bytes)
            if path == "/cgi-bin/message/subscribe/bizsend" {
                respond(.ok, #"{"errcode":0,"errmsg":"ok"}"#, head: head, context: context)
            } else {
                let msgid = ledger.nextSerial()
                respond(.ok, #"{"errcode":0,"errmsg":"ok","msgid":\#(msgid)}"#, head: head, context: context)
            }
            return true
        default:
            guard path.hasPrefix("/v1/"), path.hasSuffix("/messages:send") else { return false }
            if path.hasPrefix("/v1/projects/") {
                fcmSend(path: path, head: head, bytes: bytes, context: context)
            } else {
                hmsSend(head: head, bytes: bytes, context: context)
            }
            return true
        }
    }

    /// The bearer token of a push request, if it is one handed out.
    private func bearerToken(_ head: HTTPRequestHead) -> String? {
        let bearer = head.headers.first(name: "Authorization") ?? ""
        let token = bearer.hasPrefix("Bearer ") ? String(bearer.dropFirst(7)) : ""
        return ledger.isValidToken(token) ? token : nil
    }

    /// HMS Push Kit `POST /v1/{appId}/messages:send` (vendors.md §5.2).
    private func hmsSend(head: HTTPRequestHead, bytes: ByteBufferView, context: ChannelHandlerContext) {
        guard let token = bearerToken(head) else {
            respond(
                .unauthorized, #"{"code":"80200001","msg":"Oauth Authentication error"}"#, head: head, context: context)
            return
        }
        guard token != "fv-token-1" else {
            respond(.unauthorized, #"{"code":"80200003","msg":"Oauth token expired"}"#, head: head, context: context)
            return
        }
        let tokens = JSONValue.parse(bytes)?["message"]?["token"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard !tokens.isEmpty, tokens.count <= 1000 else {
            respond(.badRequest, #"{"code":"80100003","msg":"Illegal payload"}"#, head: head, context: context)
            return
        }
        for device in tokens {
            ledger.record(ref: device)
            recorder?.append(ref: device, body: bytes)
        }
        respond(.ok, #"{"code":"80000000","msg":"Success","requestId":"fv-req"}"#, head: head, context: context)
    }

    /// FCM HTTP v1 `POST /v1/projects/{project_id}/messages:send` (vendors.md §5.5): one token per request.
    private func fcmSend(path: String, head: HTTPRequestHead, bytes: ByteBufferView, context: ChannelHandlerContext) {
        func error(_ status: HTTPResponseStatus, _ name: String, _ message: String) {
            respond(
                status,
                #"{"error":{"code":\#(status.code),"message":\#(message.jsonQuoted),"status":"\#(name)"}}"#,
                head: head, context: context)
        }
        guard let token = bearerToken(head), token != "fv-token-1" else {
            error(.unauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
            return
        }
        guard let device = JSONValue.parse(bytes)?["message"]?["token"]?.stringValue, !device.isEmpty else {
            error(.badRequest, "INVALID_ARGUMENT", "The message has no token.")
            return
        }
        ledger.record(ref: device)
        recorder?.append(ref: device, body: bytes)
        let project = path.dropFirst("/v1/".count).dropLast("/messages:send".count)
        let name = "\(project)/messages/\(ledger.nextMessageID())"
        respond(.ok, #"{"name":\#(name.jsonQuoted)}"#, head: head, context: context)
    }
}
