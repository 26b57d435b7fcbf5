import ChannelKit
import Testing

@testable import ChannelWeChatCrypto

/// WeChat callback signatures and message encryption, checked against the vendors' own worked examples
/// (vendors.md §3.5 "Official vectors" sets 1 and 2, from WeCom's official sample `WXBizMsgCrypt.py` /
/// `Sample.py` and `WXBizMsgCryptTest.java`; §4.5 the Official Account's server-check vectors from
/// https://developers.weixin.qq.com/doc/oplatform/developers/dev/push/encryption.md), and the core's check of
/// whole callbacks.
struct WeChatCallbackCryptoTests {
    /// One WeCom worked example: credentials, the URL check and one encrypted message.
    struct Vector {
        let token: String
        let encodingAESKey: String
        let receiverID: String
        let verify: (signature: String, timestamp: String, nonce: String, echo: String, plain: String)
        let message: (signature: String, timestamp: String, nonce: String, encrypted: String, plain: String)
    }

    /// vendors.md §3.5, official vectors set 1.
    static let set1 = Vector(
        token: "QDG6eK", encodingAESKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
        receiverID: "wx5823bf96d3bd56c7",
        verify: (
            "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
            "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
            "1616140317555161061"
        ),
        message: (
            "477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149",
            "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/"
                + "sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+"
                + "HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJ"
                + "B3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fV"
                + "Kn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==",
            "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n"
                + "<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n"
                + "<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n"
                + "<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
        )
    )

    /// vendors.md §3.5, official vectors set 2.
    static let set2 = Vector(
        token: "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo", encodingAESKey: "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
        receiverID: "ww1436e0e65a779aee",
        verify: (
            "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb", "1476416373", "47744683",
            "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
            "1288432023552776189"
        ),
        message: (
            "0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914",
            "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AE"
                + "ew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8"
                + "KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDG"
                + "xQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+",
            "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName>"
                + "<CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content>"
                + "<MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>"
        )
    )

    static func security(_ vector: Vector) -> WeChatCallbackSecurity {
        .encrypted(
            token: Secret(vector.token), encodingAESKey: Secret(vector.encodingAESKey), receiverID: vector.receiverID)
    }

    /// Percent-encodes a query value as WeCom does (`+`, `/`, `=` escaped).
    static func escaped(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                result.append(Character(Unicode.Scalar(byte)))
            default:
                let digits = Array("0123456789ABCDEF")
                result += "%\(digits[Int(byte >> 4)])\(digits[Int(byte & 15)])"
            }
        }
        return result
    }

    static func verifyCallback(_ vector: Vector, signature: String? = nil, echo: String? = nil) -> InboundCallback {
        let verify = vector.verify
        return InboundCallback(
            method: "GET", path: "/",
            query: "msg_signature=\(signature ?? verify.signature)&timestamp=\(verify.timestamp)"
                + "&nonce=\(verify.nonce)&echostr=\(escaped(echo ?? verify.echo))")
    }

    static func messageCallback(_ vector: Vector, signature: String? = nil, encrypted: String? = nil)
        -> InboundCallback
    {
        let message = vector.message
        let body =
            "<xml><ToUserName><![CDATA[\(vector.receiverID)]]></ToUserName><Encrypt><![CDATA["
            + (encrypted ?? message.encrypted) + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"
        return InboundCallback(
            method: "POST", path: "/",
            query:
                "msg_signature=\(signature ?? message.signature)&timestamp=\(message.timestamp)&nonce=\(message.nonce)",
            headers: [HTTPHeader("Content-Type", "text/xml")], body: Array(body.utf8))
    }

    // MARK: The vendors' worked examples

    @Test(arguments: [set1, set2].indices)
    func signaturesMatchTheWorkedExamples(index: Int) {
        let vector = [Self.set1, Self.set2][index]
        let verify = vector.verify
        let message = vector.message
        #expect(
            WeChatCallbackCrypto.signature([vector.token, verify.timestamp, verify.nonce, verify.echo])
                == verify.signature)
        #expect(
            WeChatCallbackCrypto.signature([vector.token, message.timestamp, message.nonce, message.encrypted])
                == message.signature)
    }

    @Test func theEncodingAESKeyDecodesToTheDocumentedKey() throws {
        let key = try #require(WeChatCallbackCrypto.aesKey(encodingAESKey: Self.set1.encodingAESKey))
        #expect(key.count == 32)
        #expect(
            Array(key.prefix(16)) == [
                0x8d, 0x69, 0x98, 0x9b, 0xba, 0xab, 0xe6, 0x73, 0x28, 0x01, 0x4c, 0x19, 0x46, 0x31, 0xad, 0x07,
            ])
        #expect(WeChatCallbackCrypto.aesKey(encodingAESKey: String(Self.set1.encodingAESKey.dropLast())) == nil)
        #expect(WeChatCallbackCrypto.aesKey(encodingAESKey: String(Self.set1.encodingAESKey.dropLast()) + "!") == nil)
    }

    @Test(arguments: [set1, set2].indices)
    func decryptionGivesTheWorkedExamplesExactBytes(index: Int) throws {
        let vector = [Self.set1, Self.set2][index]
        let key = try #require(WeChatCallbackCrypto.aesKey(encodingAESKey: vector.encodingAESKey))
        let echo = try WeChatCallbackCrypto.decrypt(vector.verify.echo, key: key, receiverID: vector.receiverID)
        #expect(echo == Array(vector.verify.plain.utf8))
        let message = try WeChatCallbackCrypto.decrypt(
            vector.message.encrypted, key: key, receiverID: vector.receiverID)
        #expect(message == Array(vector.message.plain.utf8))
        if index == 0 { #expect(message.count == 284) }
    }

    /// vendors.md §4.5: the Official Account's server check signs token, timestamp and nonce only.
    @Test func officialAccountSignaturesMatchTheDocumentedVectors() {
        #expect(
            WeChatCallbackCrypto.signature(["AAAAA", "1714037059", "486452656"])
                == "899cf89e464efb63f54ddac96b0a0a235f53aa78")
        #expect(
            WeChatCallbackCrypto.signature(["AAAAA", "1714036504", "1514711492"])
                == "f464b24fc39322e44b38aa78f5edd27bd1441696")
    }

    // MARK: Tampering

    @Test func aTamperedCiphertextOrTheWrongReceiverIsRefused() throws {
        let vector = Self.set1
        let key = try #require(WeChatCallbackCrypto.aesKey(encodingAESKey: vector.encodingAESKey))
        #expect(throws: WeChatCallbackCrypto.Failure.self) {
            try WeChatCallbackCrypto.decrypt(vector.message.encrypted, key: key, receiverID: "wx0000000000000000")
        }
        // One flipped Base64 character in the last block breaks the padding; one in an early block the length
        // field or the receiver id.
        var characters = Array(vector.message.encrypted)
        characters[characters.count - 5] = characters[characters.count - 5] == "A" ? "B" : "A"
        #expect(throws: WeChatCallbackCrypto.Failure.self) {
            try WeChatCallbackCrypto.decrypt(String(characters), key: key, receiverID: vector.receiverID)
        }
        #expect(throws: WeChatCallbackCrypto.Failure.self) {
            try WeChatCallbackCrypto.decrypt("not base64!", key: key, receiverID: vector.receiverID)
        }
        #expect(throws: WeChatCallbackCrypto.Failure.self) {
            try WeChatCallbackCrypto.decrypt("AAAA", key: key, receiverID: vector.receiverID)
        }
        let otherKey = try #require(WeChatCallbackCrypto.aesKey(encodingAESKey: Self.set2.encodingAESKey))
        #expect(throws: WeChatCallbackCrypto.Failure.self) {
            try WeChatCallbackCrypto.decrypt(vector.message.encrypted, key: otherKey, receiverID: vector.receiverID)
        }
    }

    @Test func encryptionRoundTripsWithPaddingToThirtyTwoBytes() throws {
        let key = try #require(WeChatCallbackCrypto.aesKey(encodingAESKey: Self.set1.encodingAESKey))
        let random = Array(UInt8(0)..<16)
        for length in [0, 1, 11, 12, 13, 44, 300] {
            let message = [UInt8](repeating: UInt8(ascii: "x"), count: length)
            let sealed = try #require(
                WeChatCallbackCrypto.encrypt(message, key: key, receiverID: "wx5823bf96d3bd56c7", random: random))
            let bytes = try #require(WeChatCallbackCrypto.base64Decoded(sealed))
            #expect(bytes.count % 32 == 0)
            #expect(bytes.count >= 16 + 4 + length + 18 + 1)
            #expect(try WeChatCallbackCrypto.decrypt(sealed, key: key, receiverID: "wx5823bf96d3bd56c7") == message)
        }
    }

    // MARK: The core's check of whole callbacks

    @Test(arguments: [set1, set2].indices)
    func theURLCheckIsAnsweredWithTheDecryptedEcho(index: Int) {
        let vector = [Self.set1, Self.set2][index]
        let verdict = WeChatCallbackCrypto.check(Self.verifyCallback(vector), security: Self.security(vector))
        #expect(
            verdict
                == .answer(
                    CallbackAnswer(status: 200, contentType: "text/plain; charset=utf-8", body: vector.verify.plain)))
    }

    @Test(arguments: [set1, set2].indices)
    func aVerifiedMessageIsForwardedWithItsPlaintextBody(index: Int) {
        let vector = [Self.set1, Self.set2][index]
        let callback = Self.messageCallback(vector)
        var expected = callback
        expected.body = Array(vector.message.plain.utf8)
        #expect(WeChatCallbackCrypto.check(callback, security: Self.security(vector)) == .forward(expected))
    }

    @Test func badSignaturesAndCiphertextsAreUnauthorized() {
        let vector = Self.set1
        let security = Self.security(vector)
        let wrong = "0000000000000000000000000000000000000000"
        func refused(_ callback: InboundCallback) -> Bool {
            if case .unauthorized = WeChatCallbackCrypto.check(callback, security: security) { return true }
            return false
        }
        #expect(refused(Self.verifyCallback(vector, signature: wrong)))
        #expect(refused(Self.messageCallback(vector, signature: wrong)))
        // The signature covers the ciphertext: another ciphertext under the right signature is refused.
        #expect(refused(Self.messageCallback(vector, encrypted: Self.set2.message.encrypted)))
        #expect(refused(Self.verifyCallback(vector, echo: Self.set2.verify.echo)))
        // A ciphertext signed correctly but for another receiver id.
        let stranger = WeChatCallbackSecurity.encrypted(
            token: Secret(vector.token), encodingAESKey: Secret(vector.encodingAESKey), receiverID: "wxOther")
        #expect(
            {
                if case .unauthorized = WeChatCallbackCrypto.check(Self.messageCallback(vector), security: stranger) {
                    return true
                }
                return false
            }())
        // Nothing to check.
        #expect(refused(InboundCallback(method: "POST", path: "/", body: Array("<xml></xml>".utf8))))
        var noEncrypt = Self.messageCallback(vector)
        noEncrypt.body = Array("<xml><Content>hello</Content></xml>".utf8)
        #expect(refused(noEncrypt))
        // Uppercase hex is the same signature.
        #expect(
            !refused(Self.messageCallback(vector, signature: vector.message.signature.uppercased())))
    }

    @Test func theOfficialAccountsPlainModeChecksSignature() {
        let security = WeChatCallbackSecurity.signed(token: Secret("AAAAA"))
        let query = "signature=899cf89e464efb63f54ddac96b0a0a235f53aa78&timestamp=1714037059&nonce=486452656"
        let handshake = InboundCallback(method: "GET", path: "/", query: query + "&echostr=7352463925146236158")
        #expect(
            WeChatCallbackCrypto.check(handshake, security: security)
                == .answer(
                    CallbackAnswer(status: 200, contentType: "text/plain; charset=utf-8", body: "7352463925146236158")))
        let push = InboundCallback(method: "POST", path: "/", query: query + "&openid=o1", body: Array("<xml/>".utf8))
        #expect(WeChatCallbackCrypto.check(push, security: security) == .forward(push))
        let forged = InboundCallback(
            method: "POST", path: "/",
            query: "signature=899cf89e464efb63f54ddac96b0a0a235f53aa78&timestamp=1714037059&nonce=486452657")
        #expect(WeChatCallbackCrypto.check(forged, security: security) != .forward(forged))
        let bare = InboundCallback(method: "GET", path: "/", query: "echostr=1")
        #expect(
            WeChatCallbackCrypto.check(bare, security: security)
                != .answer(CallbackAnswer(status: 200, contentType: "text/plain; charset=utf-8", body: "1")))
        // Safe mode still answers the plain server check (the Official Account signs its GET that way).
        let safe = WeChatCallbackSecurity.encrypted(
            token: Secret("AAAAA"), encodingAESKey: Secret(Self.set1.encodingAESKey), receiverID: "wxapp")
        #expect(
            WeChatCallbackCrypto.check(handshake, security: safe)
                == .answer(
                    CallbackAnswer(status: 200, contentType: "text/plain; charset=utf-8", body: "7352463925146236158")))
    }

    @Test func failuresAndDescriptionsNeverShowASecret() {
        let vector = Self.set1
        let security = Self.security(vector)
        #expect(!"\(security)".contains(vector.token))
        #expect(!"\(security)".contains(vector.encodingAESKey))
        #expect(!String(reflecting: security).contains(vector.encodingAESKey))
        let callbacks = [
            Self.verifyCallback(vector, signature: "00"), Self.messageCallback(vector, encrypted: "AAAA"),
            InboundCallback(method: "POST", path: "/", query: "timestamp=1&nonce=2"),
        ]
        for callback in callbacks {
            guard case .unauthorized(let failure) = WeChatCallbackCrypto.check(callback, security: security) else {
                Issue.record("not refused: \(callback)")
                continue
            }
            #expect(!failure.message.contains(vector.token) && !failure.message.contains(vector.encodingAESKey))
        }
    }

    @Test func queryValuesArePercentDecodedButPlusStaysPlus() {
        let query = WeChatCallbackCrypto.queryParameters("a=x%2By%3D&b=p+q&a=second&c")
        #expect(query == ["a": "x+y=", "b": "p+q", "c": ""])
    }
}
