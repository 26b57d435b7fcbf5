import ChannelKit
import Crypto
import Testing

struct SupportTests {
    // FIPS 180-4 / NIST example vectors: swift-crypto's SHA-256 through the hex the signatures use.
    @Test func sha256MatchesPublishedVectors() {
        #expect(
            HexEncoding.lowercase(SHA256.hash(data: Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            HexEncoding.lowercase(SHA256.hash(data: [UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            HexEncoding.lowercase(
                SHA256.hash(data: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            HexEncoding.lowercase(SHA256.hash(data: [UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func prefixedHexWritesThePrefixThenTheDigest() {
        let digest = SHA256.hash(data: Array("abc".utf8))
        #expect(
            digest.withUnsafeBytes { HexEncoding.lowercase($0, prefix: "r:") }
                == "r:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect([UInt8]().withUnsafeBytes { HexEncoding.lowercase($0, prefix: "h:") } == "h:")
        #expect(
            [UInt8]([0x00, 0x0F, 0xF0, 0xFF]).withUnsafeBytes { HexEncoding.lowercase($0, prefix: "") } == "000ff0ff")
    }

    @Test func durationsParseAndFormat() {
        #expect(ConfigDuration.parse("150ms") == .milliseconds(150))
        #expect(ConfigDuration.parse("2s") == .seconds(2))
        #expect(ConfigDuration.parse("1h30m") == .seconds(5400))
        #expect(ConfigDuration.parse("7d") == .seconds(604_800))
        for bad in ["", "5", "s", "2 s", "1.5s", "-1s", "3w", "99999999999999999999d"] {
            #expect(ConfigDuration.parse(bad) == nil, "\(bad)")
        }
        #expect(ConfigDuration.format(.seconds(604_800)) == "7d")
        #expect(ConfigDuration.format(.milliseconds(1500)) == "1500ms")
    }

    @Test func secretNeverPrintsItsValue() {
        let secret = Secret("sk-live-123")
        #expect(!String(describing: secret).contains("sk-live"))
        #expect(!String(reflecting: secret).contains("sk-live"))
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("sk-live"))
        #expect(!"\(["key": secret])".contains("sk-live"))
        #expect(secret.reveal() == "sk-live-123")
    }

    @Test func reasonCategoriesAreClosedAndNamed() {
        #expect(
            ReasonCategory.all.map(\.name) == [
                "throttled", "auth_expired", "invalid_recipient", "content_rejected", "quota_exceeded",
                "vendor_unavailable", "unknown",
            ])
        #expect(ReasonCategory(name: "auth_expired") == .authExpired)
        #expect(ReasonCategory(name: "teapot") == nil)
    }
}
