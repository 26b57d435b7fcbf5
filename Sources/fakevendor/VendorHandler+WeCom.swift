import GatewayJSON
import NIOCore
import NIOHTTP1

/// WeCom's token, app-message, customer group-send and group-robot endpoints (vendors.md section 3), enough to
/// exercise the core's token cache and per-recipient results: `GET /cgi-bin/gettoken` hands out `fv-token-1`,
/// `fv-token-2`, …; `POST /cgi-bin/message/send?access_token=…` and `POST
/// /cgi-bin/externalcontact/add_msg_template?access_token=…` refuse `fv-token-1` as expired (errcode 42001, so the
/// first token is always replaced) and unknown tokens as invalid (40014); the member or customer `ghost` is listed
/// in `invaliduser` or `fail_list`. `POST /cgi-bin/webhook/send?key=…` (robot) takes any key but an empty one
/// and records the body under the ref `robot`.
extension VendorHandler {
    /// Answers the WeCom routes; `false` if the path is not one of them.
    func handleWeCom(path: String, head: HTTPRequestHead, body: ByteBuffer, context: ChannelHandlerContext) -> Bool {
        switch path {
        case "/cgi-bin/gettoken":
            let token = ledger.issueToken()
            respond(
                .ok, #"{"errcode":0,"errmsg":"ok","access_token":"\#(token)","expires_in":7200}"#, head: head,
                context: context)
            return true
        case "/cgi-bin/message/send":
            guard weComTokenIsUsable(head: head, context: context) else { return true }
            let bytes = body.readableBytesView
            let users = JSONValue.parse(bytes)?["touser"]?.stringValue?.split(separator: "|").map(String.init) ?? []
            guard !users.isEmpty else {
                respond(.ok, #"{"errcode":40031,"errmsg":"invalid user list"}"#, head: head, context: context)
                return true
            }
            let invalid = recordRecipients(users, body: bytes)
            let msgid = ledger.nextMessageID()
            respond(
                .ok,
                #"{"errcode":0,"errmsg":"ok","invaliduser":\#(invalid.joined(separator: "|").jsonQuoted),"#
                    + #""msgid":"\#(msgid)"}"#,
                head: head, context: context)
            return true
        case "/cgi-bin/externalcontact/add_msg_template":
            // Customer group send (vendors.md §3.3): a task whose msgid keys the later results.
            guard weComTokenIsUsable(head: head, context: context) else { return true }
            let bytes = body.readableBytesView
            let customers = JSONValue.parse(bytes)?["external_userid"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard !customers.isEmpty else {
                respond(.ok, #"{"errcode":41048,"errmsg":"missing external_userid"}"#, head: head, context: context)
                return true
            }
            let failed = recordRecipients(customers, body: bytes)
            respond(
                .ok,
                #"{"errcode":0,"errmsg":"ok","fail_list":[\#(failed.map(\.jsonQuoted).joined(separator: ","))],"#
                    + #""msgid":"msg\#(ledger.nextMessageID())"}"#,
                head: head, context: context)
            return true
        case "/cgi-bin/webhook/send":
            // Group robot (vendors.md §3.4): the key in the URL is the credential; no recipients, no receipts.
            guard !(Self.queryValue("key", in: head.uri) ?? "").isEmpty else {
                respond(.ok, #"{"errcode":93000,"errmsg":"invalid webhook url"}"#, head: head, context: context)
                return true
            }
            let bytes = body.readableBytesView
            guard let message = JSONValue.parse(bytes), message["msgtype"]?.stringValue != nil else {
                respond(.ok, #"{"errcode":40008,"errmsg":"invalid message type"}"#, head: head, context: context)
                return true
            }
            ledger.record(ref: "robot")
            recorder?.append(ref: "robot", body: bytes)
            respond(.ok, #"{"errcode":0,"errmsg":"ok"}"#, head: head, context: context)
            return true
        default:
            return false
        }
    }

    /// Whether the request's `access_token` is one handed out and not the first (expired) one; answers if not.
    private func weComTokenIsUsable(head: HTTPRequestHead, context: ChannelHandlerContext) -> Bool {
        let token = Self.queryValue("access_token", in: head.uri) ?? ""
        guard ledger.isValidToken(token) else {
            respond(.ok, #"{"errcode":40014,"errmsg":"invalid access_token"}"#, head: head, context: context)
            return false
        }
        guard token != "fv-token-1" else {
            respond(.ok, #"{"errcode":42001,"errmsg":"access_token expired"}"#, head: head, context: context)
            return false
        }
        return true
    }

    /// Records each recipient but `ghost` under its own ref with the body; returns the `ghost`s.
    private func recordRecipients(_ recipients: [String], body: ByteBufferView) -> [String] {
        var invalid: [String] = []
        for recipient in recipients {
            if recipient == "ghost" {
                invalid.append(recipient)
            } else {
                ledger.record(ref: recipient)
                recorder?.append(ref: recipient, body: body)
            }
        }
        return invalid
    }

    /// A query parameter of `uri`, percent-decoded.
    static func queryValue(_ name: String, in uri: String) -> String? {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in FormBody(query.utf8).pairs where pair.key == name { return pair.value }
        return nil
    }
}
