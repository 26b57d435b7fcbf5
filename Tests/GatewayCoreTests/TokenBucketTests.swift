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

extension TokenBucketTests {
    @Test func aSenderHeldAtTheRateWaitsForABatchOfTokens() {
        var bucket = TokenBucket(perSecond: 5000, burst: 501, now: 0)
        while bucket.take(now: 0) {}
        // 5 ms at 5,000/s earns 25 tokens: one wake sends them, not one wake per 200 µs.
        let wait = bucket.nanosecondsUntilBatch(now: 0, quantum: 5_000_000)
        #expect(wait == 5_000_000)
        var taken = 0
        while bucket.take(now: wait) { taken += 1 }
        #expect(taken == 25)
    }

    @Test func aBatchNeverExceedsTheBurstNorDelaysAnAvailableToken() {
        // Capacity 1: the batch is one token, so the wait is the plain wait for a token (strict pacing kept).
        var strict = TokenBucket(perSecond: 5000, burst: 1, now: 0)
        #expect(Self.take(&strict, at: [0]) == [true])
        let strictWait = strict.nanosecondsUntilBatch(now: 0, quantum: 5_000_000)
        #expect(strictWait == 200_000)
        // A token in hand: no wait at all.
        var ready = TokenBucket(perSecond: 10, burst: 3, now: 0)
        let readyWait = ready.nanosecondsUntilBatch(now: 0, quantum: 5_000_000)
        #expect(readyWait == 0)
        // A slow rate earns no whole token in the quantum: wait for one.
        var slow = TokenBucket(perSecond: 10, burst: 3, now: 0)
        while slow.take(now: 0) {}
        let slowWait = slow.nanosecondsUntilBatch(now: 0, quantum: 5_000_000)
        #expect(slowWait == 100_000_000)
    }
}
