public import ChannelKit
import Crypto
import Foundation
import _CryptoExtras

/// WeChat's callback signatures and message encryption (WeCom, and the WeChat Official Account's plain and safe
/// modes), and the check of whole callbacks behind ``WeChatCallbackSecurity``.
///
/// Everything here is pure. Sources: vendors.md §3.5 and §4.5; WeCom's callback doc
/// https://developer.work.weixin.qq.com/document/path/90968 and its official sample `WXBizMsgCrypt.py`
/// (mirrored at `sbzhu/weworkapi_python callback/WXBizMsgCrypt.py`); the Official Account's
/// https://developers.weixin.qq.com/doc/oplatform/developers/dev/push/encryption.md. Neither vendor documents a
/// timestamp window, so there is no freshness check (a replayed callback is a duplicate receipt, kept once).
public enum WeChatCallbackCrypto {
    /// Why a callback or a ciphertext failed the check; never carries a secret.
    public typealias Failure = CallbackRejection

    // MARK: The check

    /// Checks one callback of an instance with `security`.
    ///
    /// - A GET with `msg_signature`, `timestamp`, `nonce`, `echostr` (WeCom's URL check; only for `.encrypted`):
    ///   the signature is over the four values, `echostr` is decrypted and its plaintext is the answer.
    /// - A GET with `signature`, `timestamp`, `nonce`, `echostr` (the Official Account's server check, in every
    ///   mode): the signature is over token, timestamp and nonce; `echostr` is the answer, unchanged.
    /// - Any other request, `.encrypted`: `msg_signature` over the body's `Encrypt` element, which is decrypted and
    ///   becomes the body. `.signed`: `signature`, and the body is passed on as it came.
    public static func check(_ callback: InboundCallback, security: WeChatCallbackSecurity) -> CallbackVerdict {
        let query = queryParameters(callback.query)
        guard let timestamp = query["timestamp"], let nonce = query["nonce"] else {
            return .unauthorized(Failure("no timestamp and nonce in the query"))
        }
        switch security {
        case .encrypted(let token, let encodingAESKey, let receiverID):
            guard let key = aesKey(encodingAESKey: encodingAESKey.reveal()) else {
                return .unauthorized(Failure("the instance's EncodingAESKey does not decode to 32 bytes"))
            }
            if callback.method == "GET", query["msg_signature"] == nil {
                return plainHandshake(query, token: token, timestamp: timestamp, nonce: nonce)
            }
            guard let messageSignature = query["msg_signature"] else {
                return .unauthorized(Failure("no msg_signature in the query"))
            }
            let isHandshake = callback.method == "GET"
            let ciphertext: String
            if isHandshake {
                guard let echo = query["echostr"] else { return .unauthorized(Failure("no echostr in the query")) }
                ciphertext = echo
            } else {
                guard let encrypted = xmlElement("Encrypt", in: callback.body) else {
                    return .unauthorized(Failure("no Encrypt element in the body"))
                }
                ciphertext = encrypted
            }
            let expected = signature([token.reveal(), timestamp, nonce, ciphertext])
            guard sameSignature(expected, messageSignature) else {
                return .unauthorized(Failure("msg_signature does not match"))
            }
            let plaintext: [UInt8]
            do {
                plaintext = try decrypt(ciphertext, key: key, receiverID: receiverID)
            } catch {
                return .unauthorized(error)
            }
            if isHandshake {
                return .answer(handshakeAnswer(String(decoding: plaintext, as: UTF8.self)))
            }
            var verified = callback
            verified.body = plaintext
            return .forward(verified)
        case .signed(let token):
            if callback.method == "GET" {
                return plainHandshake(query, token: token, timestamp: timestamp, nonce: nonce)
            }
            guard let given = query["signature"] else { return .unauthorized(Failure("no signature in the query")) }
            guard sameSignature(signature([token.reveal(), timestamp, nonce]), given) else {
                return .unauthorized(Failure("signature does not match"))
            }
            return .forward(callback)
        }
    }

    /// The Official Account's server check: `signature` over token, timestamp and nonce; the answer is `echostr`.
    static func plainHandshake(_ query: [String: String], token: Secret, timestamp: String, nonce: String)
        -> CallbackVerdict
    {
        guard let given = query["signature"], let echo = query["echostr"] else {
            return .unauthorized(Failure("no signature and echostr in the query"))
        }
        guard sameSignature(signature([token.reveal(), timestamp, nonce]), given) else {
            return .unauthorized(Failure("signature does not match"))
        }
        return .answer(handshakeAnswer(echo))
    }

    /// The handshake's answer: the echo, as plain text.
    static func handshakeAnswer(_ echo: String) -> CallbackAnswer {
        CallbackAnswer(status: 200, contentType: "text/plain; charset=utf-8", body: echo)
    }

    // MARK: Signature

    /// hex(SHA1(the parts sorted as byte strings and joined with no separator)), lowercase.
    public static func signature(_ parts: [String]) -> String {
        let sorted = parts.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        var joined: [UInt8] = []
        for part in sorted { joined += part }
        return HexEncoding.lowercase(Insecure.SHA1.hash(data: joined))
    }

    /// Compares two hex signatures, ignoring case, in time independent of where they differ.
    static func sameSignature(_ expected: String, _ given: String) -> Bool {
        ConstantTime.equal(expected.lowercased(), given.lowercased())
    }

    // MARK: Encryption

    /// The AES key: Base64(EncodingAESKey + "="), which must be 32 bytes; `nil` otherwise.
    public static func aesKey(encodingAESKey: String) -> [UInt8]? {
        guard isEncodingAESKey(encodingAESKey), let key = base64Decoded(encodingAESKey + "="),
            key.count == 32
        else { return nil }
        return key
    }

    /// Whether `text` has the shape of an EncodingAESKey: 43 characters of the Base64 alphabet (it decodes, with
    /// one `=` appended, to the 32-byte AES key). Profiles check this when they load their settings.
    public static func isEncodingAESKey(_ text: String) -> Bool {
        text.utf8.count == 43
            && text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                    true
                default: false
                }
            }
    }

    /// Decrypts a Base64 ciphertext: AES-256-CBC with IV = the key's first 16 bytes, PKCS#7 padding to 32-byte
    /// blocks (pad bytes 1 to 32), then `random(16) ‖ length(4, big-endian) ‖ message ‖ receiverID`.
    /// - Returns: the message bytes.
    /// - Throws: ``Failure`` when anything is off, including a receiver id other than `receiverID`.
    public static func decrypt(_ ciphertext: String, key: [UInt8], receiverID: String) throws(Failure) -> [UInt8] {
        guard let data = base64Decoded(ciphertext), !data.isEmpty, data.count % 16 == 0 else {
            throw Failure("the ciphertext is not Base64 of whole AES blocks")
        }
        let padded: [UInt8]
        do {
            let iv = try AES._CBC.IV(ivBytes: key.prefix(16))
            padded = Array(try AES._CBC.decrypt(data, using: SymmetricKey(data: key), iv: iv, noPadding: true))
        } catch {
            throw Failure("the ciphertext does not decrypt")
        }
        guard let pad = padded.last, (1...32).contains(Int(pad)), Int(pad) <= padded.count,
            padded.suffix(Int(pad)).allSatisfy({ $0 == pad })
        else { throw Failure("the plaintext's padding is wrong (wrong key?)") }
        let plain = padded.dropLast(Int(pad))
        guard plain.count >= 20 else { throw Failure("the plaintext is too short") }
        let start = plain.startIndex
        let length = plain[(start + 16)..<(start + 20)].reduce(0) { $0 << 8 | Int($1) }
        guard plain.count >= 20 + length else { throw Failure("the plaintext's length field is wrong") }
        let message = plain[(start + 20)..<(start + 20 + length)]
        guard plain[(start + 20 + length)...].elementsEqual(receiverID.utf8) else {
            throw Failure("the message is for another receiver id")
        }
        return Array(message)
    }

    /// Encrypts `message` the way the vendor does, with the given 16 random bytes (for tests and replies).
    public static func encrypt(_ message: [UInt8], key: [UInt8], receiverID: String, random: [UInt8]) -> String? {
        guard key.count == 32, random.count == 16, message.count <= Int(UInt32.max) else { return nil }
        let length = UInt32(message.count)
        var plain = random + [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: length >> $0) } + message
        plain += Array(receiverID.utf8)
        let pad = 32 - plain.count % 32
        plain += [UInt8](repeating: UInt8(pad), count: pad)
        guard let iv = try? AES._CBC.IV(ivBytes: key.prefix(16)),
            let sealed = try? AES._CBC.encrypt(plain, using: SymmetricKey(data: key), iv: iv, noPadding: true)
        else { return nil }
        return Data(sealed).base64EncodedString()
    }

    /// Lenient Base64: ignores the unused low bits of the last character (an EncodingAESKey's last character has
    /// them set, and the vendors' own decoders ignore them); `nil` on any character outside the alphabet.
    static func base64Decoded(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        var ended = false
        for character in text.utf8 {
            let value: UInt32
            switch character {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = UInt32(character - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = UInt32(character - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt32(character - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): value = 62
            case UInt8(ascii: "/"): value = 63
            case UInt8(ascii: "="):
                ended = true
                continue
            default: return nil
            }
            guard !ended else { return nil }
            buffer = (buffer << 6) | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        return bytes
    }

    // MARK: Request parts

    /// The text of the first `<name>` element of an XML body, with a CDATA wrapper removed; `nil` if absent.
    static func xmlElement(_ name: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let open = text.range(of: "<\(name)>"),
            let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex)
        else { return nil }
        var value = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
        if value.hasPrefix("<![CDATA["), value.hasSuffix("]]>") {
            value = String(value.dropFirst(9).dropLast(3))
        }
        return value
    }

    /// The query's parameters, percent-decoded (`+` stays `+`: it is a Base64 character in `echostr`); the
    /// first of repeated names wins.
    static func queryParameters(_ query: String) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecoded(String(parts[0]))
            guard result[name] == nil else { continue }
            result[name] = parts.count > 1 ? percentDecoded(String(parts[1])) : ""
        }
        return result
    }

    /// `%XX` decoded; a malformed escape is kept as it is.
    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count,
                let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2])
            {
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
