import ChannelKit
import Foundation
import Testing

/// WeChat callbacks end to end: a real `gatewayd` with a `wechat_oa` instance in safe mode, configured with the
/// official sample's Token and EncodingAESKey (vendors.md §3.5 set 1; the Official Account's safe mode is the
/// same scheme, §4.5), its app id set to the sample's receive id. The core answers the URL checks itself, verifies
/// and decrypts each push, and the adapter turns `TEMPLATESENDJOBFINISH` into a receipt; a forged signature is 401.
///
/// The test encrypts its own push with the `openssl` and `sha1sum` command-line tools (this target does not link
/// swift-crypto), so the daemon's crypto is checked against an independent implementation.
@Suite(.serialized)
struct WeChatCallbackTests {
    static let token = "QDG6eK"
    static let encodingAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
    /// Base64(EncodingAESKey + "="), as vendors.md §3.5 gives it (`8d69989b…`); the IV is its first 16 bytes.
    static let keyHex = "8d69989bbaabe67328014c194631ad0719b3dca035b64023df292447aab60760"
    static let appID = "wx5823bf96d3bd56c7"

    static let channel = """
        type: wechat_oa
        vendor: template
        settings:
          endpoint: VENDOR
          app_id: \(appID)
          app_secret: env:WX_APP_SECRET
          callback_token: env:WX_CALLBACK_TOKEN
          callback_aes_key: env:WX_CALLBACK_AES_KEY
        """

    /// Runs a tool with `input` on stdin; its stdout.
    static func run(_ tool: String, _ arguments: [String], input: [UInt8]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("\(tool) failed") }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// hex(SHA1(sorted concat)), by `sha1sum`.
    static func signature(_ parts: [String]) throws -> String {
        let joined = parts.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.joined()
        return String(try run("/usr/bin/sha1sum", [], input: Array(joined.utf8)).prefix(40))
    }

    /// WeChat's layout (random 16 ‖ length ‖ message ‖ receive id, PKCS#7 to 32 bytes), AES-256-CBC by `openssl`.
    static func encrypt(_ message: String, receiverID: String) throws -> String {
        let body = Array(message.utf8)
        var plain = Array("0123456789abcdef".utf8)
        plain += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: UInt32(body.count) >> UInt32($0)) }
        plain += body + Array(receiverID.utf8)
        let pad = 32 - plain.count % 32
        plain += [UInt8](repeating: UInt8(pad), count: pad)
        return try run(
            "/usr/bin/openssl",
            ["enc", "-aes-256-cbc", "-K", keyHex, "-iv", String(keyHex.prefix(32)), "-nopad", "-base64", "-A"],
            input: plain)
    }

    /// `%XX` for everything but letters and digits.
    static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }

    static func status(of raw: String) -> Int {
        raw.split(separator: " ", maxSplits: 2).dropFirst().first.flatMap { Int($0) } ?? -1
    }

    static func body(of raw: String) -> String {
        raw.range(of: "\r\n\r\n").map { String(raw[$0.upperBound...]) } ?? ""
    }

    @Test func urlChecksPushesAndForgeries() throws {
        let gateway = try TestGateway(channels: ["wechat-oa": Self.channel])
        try gateway.startDaemon(environment: [
            "WX_APP_SECRET": "test-app-secret", "WX_CALLBACK_TOKEN": Self.token,
            "WX_CALLBACK_AES_KEY": Self.encodingAESKey,
        ])
        let port = try #require(gateway.callbackPort)

        // 1. The encrypted URL check, with the official sample's own request (vendors.md §3.5 VerifyURL).
        let echo = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
        let verify = try TestGateway.httpGetRaw(
            port: port,
            path: "/callbacks/wechat-oa?msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
                + "&timestamp=1409659589&nonce=263014780&echostr=\(Self.escaped(echo))")
        #expect(Self.status(of: verify) == 200)
        #expect(Self.body(of: verify) == "1616140317555161061")

        // 2. The Official Account's plain server check: `signature` over token, timestamp, nonce; echostr back.
        let plainSignature = try Self.signature([Self.token, "1714037059", "486452656"])
        let plain = try TestGateway.httpGetRaw(
            port: port,
            path: "/callbacks/wechat-oa?signature=\(plainSignature)&timestamp=1714037059&nonce=486452656"
                + "&echostr=7352463925146236158")
        #expect(Self.status(of: plain) == 200)
        #expect(Self.body(of: plain) == "7352463925146236158")

        // 3. An encrypted TEMPLATESENDJOBFINISH (vendors.md §4.3), as WeChat posts it in safe mode.
        let event =
            "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName>\n"
            + "<FromUserName><![CDATA[oABCD1234efgh5678ijkl9012mnop]]></FromUserName>\n"
            + "<CreateTime>1395658920</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n"
            + "<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>\n<MsgID>200163836</MsgID>\n"
            + "<Status><![CDATA[failed:user block]]></Status></xml>"
        let encrypted = try Self.encrypt(event, receiverID: Self.appID)
        let (timestamp, nonce) = ("1764000000", "1320562132")
        let messageSignature = try Self.signature([Self.token, timestamp, nonce, encrypted])
        let query =
            "signature=\(try Self.signature([Self.token, timestamp, nonce]))&timestamp=\(timestamp)&nonce=\(nonce)"
            + "&openid=oABCD1234efgh5678ijkl9012mnop&encrypt_type=aes"
        let body =
            "<xml><ToUserName><![CDATA[gh_7f083739789a]]></ToUserName><Encrypt><![CDATA[\(encrypted)]]></Encrypt></xml>"
        let pushed = try TestGateway.httpPost(
            port: port, path: "/callbacks/wechat-oa?\(query)&msg_signature=\(messageSignature)", body: body)
        #expect(pushed.status == 200)
        #expect(pushed.body == "success")

        // 4. The same push under a forged signature, and one with none: 401, counted, no receipt.
        let forged = try TestGateway.httpPost(
            port: port, path: "/callbacks/wechat-oa?\(query)&msg_signature=\(String(repeating: "0", count: 40))",
            body: body)
        #expect(forged.status == 401)
        let unsigned = try TestGateway.httpPost(port: port, path: "/callbacks/wechat-oa", body: body)
        #expect(unsigned.status == 401)

        let client = try ControlClient(path: gateway.socketPath)
        let stats = client.request(#"{"op":"stats"}"#)?["stats"]
        #expect(stats?["receipts"]?.intValue == 1)
        #expect(stats?["receipts_unmatched"]?.intValue == 1)
        #expect(stats?["callbacks_bad_signature"]?.intValue == 2)
        let page = String(decoding: try TestGateway.httpGet(port: port, path: "/metrics"), as: UTF8.self)
        #expect(page.contains(#"channel_gateway_receipts_total{channel="wechat-oa",event="failed"} 1"#))
        #expect(!gateway.daemonLogs.contains(Self.encodingAESKey))
    }
}
