import ChannelKit
import ChannelTesting
import Crypto
import Foundation
import Testing
import _CryptoExtras

@testable import ChannelAppPush

/// The JWS building blocks, held against the worked examples of RFC 7515 Appendix A (the JWS specification
/// both Apple's provider token and Google's service-account assertion follow) and RFC 4648 §10.
struct JWTTests {
    /// RFC 7515 A.2/A.3: the JWS Signing Input of the examples, `BASE64URL(header) "." BASE64URL(payload)`, whose
    /// payload has CRLF line breaks.
    static let rs256Input =
        "eyJhbGciOiJSUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    static let es256Input =
        "eyJhbGciOiJFUzI1NiJ9"
        + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"

    /// RFC 7515 A.2.1: the RSA key as a JWK.
    static let rsaKey = (
        n: "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2"
            + "lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7"
            + "WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkM"
            + "Ls91kzk2PAcDTW9gb54h4FRWyuXpoQ",
        e: "AQAB",
        d: "Eq5xpGnNCivDflJsRQBXHx1hdR1k6Ulwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46sui395IW_"
            + "GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0Z"
            + "HHzQlBjudU2QvXt4ehNYTCBr6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4cS98l2SR_RQyGWS"
            + "eWjnczT0QU91p1DhOVRuOopznQ",
        p: "4BzEEOtIpmVdVEZNCqS7baC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_Py5PJdTJNPY8cQn7o"
            + "uZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-KDV5z-y2XDwGUc",
        q: "uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHqpWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDm"
            + "pe_HlB-TnBA-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc"
    )
    /// RFC 7515 A.2.1: the RS256 signature of ``rs256Input`` (PKCS#1 v1.5 is deterministic: this exact value).
    static let rs256Signature =
        "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CU"
        + "Ar7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn"
        + "6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtV"
        + "rBp0igcN_IoypGlUPQGe77Rw"

    /// RFC 7515 A.3.1: the P-256 key as a JWK, and the example's (randomized) ES256 signature of ``es256Input``.
    static let ecKey = (
        x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
        d: "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"
    )
    static let es256Signature = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"

    static func bytes(_ text: String) throws -> [UInt8] { try #require(JWT.base64URLDecode(text)) }

    @Test func base64URLMatchesRFC4648Vectors() throws {
        // RFC 4648 §10, without padding (RFC 7515 §2).
        let vectors = [
            "": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE",
            "foobar": "Zm9vYmFy",
        ]
        for (plain, encoded) in vectors {
            #expect(JWT.base64URL(Array(plain.utf8)) == encoded)
            #expect(JWT.base64URLDecode(encoded) == Array(plain.utf8))
        }
        // The URL-safe alphabet: 62 and 63 are `-` and `_`, never `+` and `/`.
        #expect(JWT.base64URL([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(JWT.base64URLDecode("-_-_") == [0xFB, 0xFF, 0xBF])
        #expect(JWT.base64URLDecode("ab+/") == nil)
        #expect(JWT.base64URLDecode("abcde") == nil)
    }

    @Test func rfc7515HeaderAndPayloadEncoding() {
        // RFC 7515 A.2.1: the header octets and the CRLF payload octets encode to the published values.
        #expect(JWT.base64URL(Array(#"{"alg":"RS256"}"#.utf8)) == "eyJhbGciOiJSUzI1NiJ9")
        let payload = "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
        #expect(
            JWT.base64URL(Array(payload.utf8))
                == "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ")
    }

    @Test func rs256ReproducesRFC7515ExampleA2() throws {
        let key = try _RSA.Signing.PrivateKey(
            n: try Self.bytes(Self.rsaKey.n), e: try Self.bytes(Self.rsaKey.e), d: try Self.bytes(Self.rsaKey.d),
            p: try Self.bytes(Self.rsaKey.p), q: try Self.bytes(Self.rsaKey.q))
        #expect(try RS256Key(key: key).sign(Self.rs256Input) == Self.rs256Signature)
    }

    @Test func es256VerifiesAgainstRFC7515ExampleA3() throws {
        let key = try P256.Signing.PrivateKey(rawRepresentation: try Self.bytes(Self.ecKey.d))
        let publicKey = try P256.Signing.PublicKey(
            rawRepresentation: try Self.bytes(Self.ecKey.x) + (try Self.bytes(Self.ecKey.y)))
        #expect(key.publicKey.rawRepresentation == publicKey.rawRepresentation)
        // The RFC's own signature verifies with the RFC's public key over the signing input...
        let published = try P256.Signing.ECDSASignature(rawRepresentation: try Self.bytes(Self.es256Signature))
        #expect(publicKey.isValidSignature(published, for: Array(Self.es256Input.utf8)))
        // ...and ours, in the same raw R‖S form (64 bytes, not DER), verifies the same way.
        let ours = try Self.bytes(try ES256Key(key: key).sign(Self.es256Input))
        #expect(ours.count == 64)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: ours)
        #expect(publicKey.isValidSignature(signature, for: Array(Self.es256Input.utf8)))
        #expect(!publicKey.isValidSignature(signature, for: Array((Self.es256Input + "x").utf8)))
    }

    @Test func compactSerializationJoinsSortedHeaderAndClaims() throws {
        let key = try _RSA.Signing.PrivateKey(
            n: try Self.bytes(Self.rsaKey.n), e: try Self.bytes(Self.rsaKey.e), d: try Self.bytes(Self.rsaKey.d),
            p: try Self.bytes(Self.rsaKey.p), q: try Self.bytes(Self.rsaKey.q))
        let jwt = try JWT.rs256(
            header: .object(["typ": .string("JWT"), "alg": .string("RS256")]),
            claims: .object(["b": .number("2"), "a": .string("x")]), key: RS256Key(key: key))
        let parts = jwt.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        #expect(JWT.base64URLDecode(parts[0]) == Array(#"{"alg":"RS256","typ":"JWT"}"#.utf8))
        #expect(JWT.base64URLDecode(parts[1]) == Array(#"{"a":"x","b":2}"#.utf8))
        #expect(parts[2] == (try RS256Key(key: key).sign(parts[0] + "." + parts[1])))
    }

    @Test func keysNeverPrintAndPEMEscapesAreAccepted() throws {
        let pem = try fixtures.file("apns", "test-key.p8")
        let key = try #require(ES256Key(pem: Secret(pem)))
        let body = pem.split(separator: "\n")[1]
        for text in [String(describing: key), String(reflecting: key)] { #expect(!text.contains(body)) }
        var dumped = ""
        dump(key, to: &dumped)
        #expect(!dumped.contains(body))
        // A PEM pasted from a JSON key file keeps `\n` escapes; it still reads.
        #expect(ES256Key(pem: Secret(pem.replacingOccurrences(of: "\n", with: "\\n"))) != nil)
        // As SecretResolver hands over a credential file: one trailing newline stripped.
        #expect(ES256Key(pem: Secret(String(pem.dropLast()))) != nil)
        #expect(ES256Key(pem: Secret("not a key")) == nil)
        #expect(RS256Key(pem: Secret(pem)) == nil)
        let rsaPEM = try fixtures.file("fcm", "test-key.pem")
        #expect(RS256Key(pem: Secret(rsaPEM)) != nil)
        #expect(RS256Key(pem: Secret(String(rsaPEM.dropLast()))) != nil)
        // Google's JSON key file escapes the PEM's line breaks; a value copied from it still reads.
        #expect(RS256Key(pem: Secret(rsaPEM.replacingOccurrences(of: "\n", with: "\\n"))) != nil)
    }
}
