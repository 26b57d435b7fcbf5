import GatewayCore
import Testing

struct RetryPolicyTests {
    @Test func ceilingDoublesFromInitialBackoffUpToTheCap() {
        let policy = RetryPolicy(attempts: 12, initialBackoff: .seconds(1), maxBackoff: .seconds(300))
        let ceilings = (1...11).map { policy.ceilingMilliseconds(after: $0) }
        #expect(ceilings == [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128_000, 256_000, 300_000, 300_000])
        #expect(policy.ceilingMilliseconds(after: 1000) == 300_000)
    }

    @Test func fullJitterSpansZeroToTheCeiling() {
        let policy = RetryPolicy(attempts: 5, initialBackoff: .seconds(2), maxBackoff: .seconds(60))
        #expect(policy.delayMilliseconds(after: 3, unitRandom: 0) == 0)
        #expect(policy.delayMilliseconds(after: 3, unitRandom: 0.5) == 4000)
        #expect(policy.delayMilliseconds(after: 3, unitRandom: 0.999_999) == 7999)
    }

    @Test func vendorRetryAfterIsAFloor() {
        let policy = RetryPolicy(attempts: 5, initialBackoff: .milliseconds(100), maxBackoff: .seconds(1))
        #expect(policy.delayMilliseconds(after: 1, unitRandom: 0.1, vendorFloor: .seconds(30)) == 30_000)
    }

    @Test func attemptsCountTheFirstTry() {
        let policy = RetryPolicy(attempts: 3, initialBackoff: .seconds(1), maxBackoff: .seconds(2))
        #expect(policy.allowsRetry(after: 1))
        #expect(policy.allowsRetry(after: 2))
        #expect(!policy.allowsRetry(after: 3))
    }
}
