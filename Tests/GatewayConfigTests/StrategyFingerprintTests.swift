import GatewayConfig
import Testing

/// ``StrategyFingerprint``: SHA-256 of the file bytes, lowercase hex.
struct StrategyFingerprintTests {
    @Test func isTheSHA256OfTheBytes() {
        #expect(StrategyFingerprint.of("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(StrategyFingerprint.of([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func anyByteChangesIt() throws {
        let text = "steps:\n  - {id: a, stop: {}}\n"
        let first = try StrategyText.parse(text)
        let commented = try StrategyText.parse(text + "# a comment\n")
        #expect(first.fingerprint.count == 64)
        #expect(first.fingerprint != commented.fingerprint)
        #expect(try StrategyText.parse(text).fingerprint == first.fingerprint)
    }
}
