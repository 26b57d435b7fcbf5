import GatewayCore
import Testing

struct TokenBucketTests {
    /// Tries to take a token at each time in turn (mutating calls cannot sit inside `#expect`).
    static func take(_ bucket: inout TokenBucket, at times: [Int64]) -> [Bool] {
        times.map { bucket.take(now: $0) }
    }

    @Test func startsFullThenRefillsAtTheConfiguredRate() {
        var bucket = TokenBucket(perSecond: 10, burst: 3, now: 0)
        #expect(Self.take(&bucket, at: [0, 0, 0, 0]) == [true, true, true, false])
        // One token every 100 ms.
        let wait = bucket.nanosecondsUntilToken(now: 0)
        #expect(wait == 100_000_000)
        #expect(Self.take(&bucket, at: [99_000_000, 100_000_000, 100_000_000]) == [false, true, false])
    }

    @Test func neverHoldsMoreThanItsBurst() {
        var bucket = TokenBucket(perSecond: 1000, burst: 5, now: 0)
        var taken = 0
        // An hour idle still allows only `burst` at once.
        while bucket.take(now: 3_600_000_000_000) { taken += 1 }
        #expect(taken == 5)
    }

    @Test func sustainedRateMatchesPerSecondOverTime() {
        var bucket = TokenBucket(perSecond: 500, burst: 1, now: 0)
        var taken = 0
        var now: Int64 = 0
        while now < 10_000_000_000 {
            if bucket.take(now: now) { taken += 1 }
            now += 100_000  // every 0.1 ms
        }
        #expect((4999...5001).contains(taken))
    }

    @Test func reconfigureKeepsEarnedTokensUpToTheNewBurst() {
        var bucket = TokenBucket(perSecond: 10, burst: 10, now: 0)
        bucket.reconfigure(perSecond: 1, burst: 2, now: 0)
        #expect(Self.take(&bucket, at: [0, 0, 0]) == [true, true, false])
        let wait = bucket.nanosecondsUntilToken(now: 0)
        #expect(wait == 1_000_000_000)
    }
}
