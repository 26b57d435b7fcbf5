import ChannelKit
import Crypto
import Foundation
import _CryptoExtras

/// Compact JWS (RFC 7515 §7.1): `BASE64URL(header) "." BASE64URL(claims) "." BASE64URL(signature)`, signed with
/// ES256 (APNs provider tokens) or RS256 (Google service-account assertions).
///
/// Header and claims are serialized by ``JSONValue/serialized`` (compact, keys sorted), so the same inputs give
/// the same signing input byte for byte. RS256 (RSASSA-PKCS1-v1_5 with SHA-256, RFC 7518 §3.3) is deterministic;
/// ES256 (RFC 7518 §3.4) draws a random nonce per signature, so only its signing input is reproducible.
enum JWT {
    /// Why a token could not be signed; carries no key material.
    struct SigningFailure: Error, Sendable, Hashable, CustomStringConvertible {
        /// `ES256` or `RS256`.
        let algorithm: String
        var description: String { "the \(algorithm) signature could not be computed" }
    }

    /// `BASE64URL(UTF8(header)) "." BASE64URL(UTF8(claims))`, the JWS Signing Input (RFC 7515 §5.1 step 6).
    static func signingInput(header: JSONValue, claims: JSONValue) -> String {
        base64URL(Array(header.serialized.utf8)) + "." + base64URL(Array(claims.serialized.utf8))
    }

    /// A compact ES256 JWS over `header` and `claims`.
    static func es256(header: JSONValue, claims: JSONValue, key: ES256Key) throws(SigningFailure) -> String {
        let input = signingInput(header: header, claims: claims)
        return input + "." + (try key.sign(input))
    }

    /// A compact RS256 JWS over `header` and `claims`.
    static func rs256(header: JSONValue, claims: JSONValue, key: RS256Key) throws(SigningFailure) -> String {
        let input = signingInput(header: header, claims: claims)
        return input + "." + (try key.sign(input))
    }

    // MARK: base64url (RFC 4648 §5, no padding, as RFC 7515 §2 requires)

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Unpadded base64url text of `bytes`.
    static func base64URL(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { output.append(alphabet[Int(value >> UInt32(shift) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest == 1 {
            let value = UInt32(bytes[index]) << 16
            for shift in [18, 12] { output.append(alphabet[Int(value >> UInt32(shift) & 63)]) }
        } else if rest == 2 {
            let value = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            for shift in [18, 12, 6] { output.append(alphabet[Int(value >> UInt32(shift) & 63)]) }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The bytes of unpadded (or padded) base64url text; `nil` if it is not base64url.
    static func base64URLDecode(_ text: String) -> [UInt8]? {
        var values: [UInt32] = []
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            guard let position = alphabet.firstIndex(of: byte) else { return nil }
            values.append(UInt32(position))
        }
        guard values.count % 4 != 1 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < values.count {
            let chunk = values[index..<min(index + 4, values.count)]
            var value: UInt32 = 0
            for (offset, digit) in chunk.enumerated() { value |= digit << UInt32(18 - 6 * offset) }
            let count = chunk.count - 1
            for offset in 0..<count { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(16 - 8 * offset))) }
            index += 4
        }
        return bytes
    }

    /// PEM text as configured: a value copied from a JSON key file may carry `\n` escapes instead of line breaks.
    static func pemText(_ secret: Secret) -> String {
        let text = secret.reveal()
        guard !text.contains("\n"), text.contains("\\n") else { return text }
        return text.replacingOccurrences(of: "\\n", with: "\n")
    }
}

/// A P-256 private key for ES256, read from a PEM `.p8` file (PKCS#8) or a SEC1 `EC PRIVATE KEY`. Never prints.
struct ES256Key: Sendable, CustomStringConvertible, CustomReflectable {
    /// The 32-byte private scalar: swift-crypto's P-256 key type is not `Sendable`, so it is rebuilt to sign
    /// (once per provider token, every 50 minutes).
    private let scalar: [UInt8]

    /// The key in `pem`, or `nil` if it is not a P-256 private key.
    init?(pem: Secret) {
        guard let key = try? P256.Signing.PrivateKey(pemRepresentation: JWT.pemText(pem)) else { return nil }
        self.init(key: key)
    }

    init(key: P256.Signing.PrivateKey) { self.scalar = Array(key.rawRepresentation) }

    /// The key itself.
    var key: P256.Signing.PrivateKey {
        get throws { try P256.Signing.PrivateKey(rawRepresentation: scalar) }
    }

    /// The base64url of the raw 64-byte `R ‖ S` signature JWS uses (RFC 7518 §3.4), not the DER form.
    func sign(_ input: String) throws(JWT.SigningFailure) -> String {
        do {
            let signature = try key.signature(for: Array(input.utf8))
            return JWT.base64URL(Array(signature.rawRepresentation))
        } catch {
            throw JWT.SigningFailure(algorithm: "ES256")
        }
    }

    var description: String { "ES256Key(<redacted>)" }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// An RSA private key (2048 bits or more) for RS256, read from PEM (PKCS#8 as in Google's service-account
/// JSON, or PKCS#1 `RSA PRIVATE KEY`). Never prints.
struct RS256Key: Sendable, CustomStringConvertible, CustomReflectable {
    let key: _RSA.Signing.PrivateKey

    /// The key in `pem`, or `nil` if it is not an RSA private key of at least 2048 bits.
    init?(pem: Secret) {
        guard let key = try? _RSA.Signing.PrivateKey(pemRepresentation: JWT.pemText(pem)) else { return nil }
        self.key = key
    }

    init(key: _RSA.Signing.PrivateKey) { self.key = key }

    /// The base64url of the RSASSA-PKCS1-v1_5 SHA-256 signature (RFC 7518 §3.3).
    func sign(_ input: String) throws(JWT.SigningFailure) -> String {
        do {
            let signature = try key.signature(for: SHA256.hash(data: Array(input.utf8)), padding: .insecurePKCS1v1_5)
            return JWT.base64URL(Array(signature.rawRepresentation))
        } catch {
            throw JWT.SigningFailure(algorithm: "RS256")
        }
    }

    var description: String { "RS256Key(<redacted>)" }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
