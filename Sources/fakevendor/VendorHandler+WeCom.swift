import Foundation
import NIOCore
import NIOHTTP1

/// WeCom's token and app-message endpoints (vendors.md section 3), enough to exercise the core's token cache and
/// per-recipient results: `GET /cgi-bin/gettoken` hands out `fv-token-1`, `fv-token-2`, …; `POST
/// /cgi-bin/message/send?access_token=…` refuses `fv-token-1` as expired (errcode 42001, so the first token is
/// always replaced) and unknown tokens as invalid (40014), and lists the user `ghost` in `invaliduser`.
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
            let token = Self.queryValue("access_token", in: head.uri) ?? ""
            guard ledger.isValidToken(token) else {
                respond(.ok, #"{"errcode":40014,"errmsg":"invalid access_token"}"#, head: head, context: context)
                return true
            }
            guard token != "fv-token-1" else {
                respond(.ok, #"{"errcode":42001,"errmsg":"access_token expired"}"#, head: head, context: context)
                return true
            }
            let bytes = body.readableBytesView
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            let users = (object?["touser"] as? String)?.split(separator: "|").map(String.init) ?? []
            guard !users.isEmpty else {
                respond(.ok, #"{"errcode":40031,"errmsg":"invalid user list"}"#, head: head, context: context)
                return true
            }
            var invalid: [String] = []
            for user in users {
                if user == "ghost" {
                    invalid.append(user)
                } else {
                    ledger.record(ref: user)
                    recorder?.append(ref: user, body: bytes)
                }
            }
            let msgid = ledger.nextMessageID()
            respond(
                .ok,
                #"{"errcode":0,"errmsg":"ok","invaliduser":"\#(invalid.joined(separator: "|"))","msgid":"\#(msgid)"}"#,
                head: head, context: context)
            return true
        default:
            return false
        }
    }

    private static func queryValue(_ name: String, in uri: String) -> String? {
        guard let query = uri.split(separator: "?", maxSplits: 1).dropFirst().first else { return nil }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2, parts[0] == name { return String(parts[1]).removingPercentEncoding }
        }
        return nil
    }
}
