import ChannelKit
import GatewayConfig

/// One channel instance's dispatch state: its window of loaded messages, retry timers, rate and concurrency.
///
/// Owned by the dispatcher thread only. The store is the queue; the lane holds a bounded window of it, read in
/// commit order from a cursor, so a backlog of millions costs disk, not memory.
struct DispatchLane {
    let name: String
    // Settings below are swapped by a reload; the window, timers and transfers in flight carry on.
    var adapter: any ChannelAdapter
    var retryPolicy: RetryPolicy
    var timeout: Duration
    var concurrency: Int
    /// Set when a reload removed the instance: nothing new starts; its queued messages stay in the store.
    var isHeld = false
    var bucket: TokenBucket
    /// Loaded messages not yet started, in commit order; `readyHead` avoids shifting the array.
    var ready: [StoredMessage] = []
    var readyHead = 0
    /// Messages waiting for a retry, sorted by due time (earliest last, so popping is cheap).
    var retries: [StoredMessage] = []
    /// The highest sequence loaded so far.
    var cursor: Int64 = 0
    /// Whether the store may hold queued messages past the cursor.
    var mayHaveMore = true
    var inFlight = 0

    static let window = 2048
    static let refillBelow = 512

    init(configuration: ChannelInstanceConfiguration, now: Int64) {
        name = configuration.name
        adapter = configuration.adapter
        retryPolicy = RetryPolicy(configuration.retry)
        timeout = configuration.timeout
        concurrency = configuration.concurrency
        bucket = TokenBucket(
            perSecond: configuration.rateLimit.perSecond,
            burst: configuration.rateLimit.burst,
            now: now
        )
    }

    /// Takes the settings of a reloaded configuration of the same instance.
    mutating func reconfigure(_ configuration: ChannelInstanceConfiguration, now: Int64) {
        adapter = configuration.adapter
        retryPolicy = RetryPolicy(configuration.retry)
        timeout = configuration.timeout
        concurrency = configuration.concurrency
        bucket.reconfigure(
            perSecond: configuration.rateLimit.perSecond, burst: configuration.rateLimit.burst, now: now
        )
        isHeld = false
        mayHaveMore = true
    }

    var readyCount: Int { ready.count - readyHead }

    var needsRefill: Bool { mayHaveMore && readyCount < DispatchLane.refillBelow }

    mutating func append(_ page: [StoredMessage], wallNow: Int64) {
        if readyHead > 0 && readyHead * 2 >= ready.count {
            ready.removeFirst(readyHead)
            readyHead = 0
        }
        for stored in page {
            cursor = max(cursor, stored.sequence)
            if stored.nextAttemptAt > wallNow {
                scheduleRetry(stored)
            } else {
                ready.append(stored)
            }
        }
    }

    mutating func popReady() -> StoredMessage? {
        guard readyHead < ready.count else { return nil }
        let stored = ready[readyHead]
        readyHead += 1
        return stored
    }

    mutating func scheduleRetry(_ stored: StoredMessage) {
        // Sorted descending by due time: binary search for the insertion point.
        var low = 0
        var high = retries.count
        while low < high {
            let middle = (low + high) / 2
            if retries[middle].nextAttemptAt > stored.nextAttemptAt { low = middle + 1 } else { high = middle }
        }
        retries.insert(stored, at: low)
    }

    /// The next retry due by `wallNow`, if any.
    mutating func popDueRetry(wallNow: Int64) -> StoredMessage? {
        guard let last = retries.last, last.nextAttemptAt <= wallNow else { return nil }
        return retries.removeLast()
    }

    var nextRetryAt: Int64? { retries.last?.nextAttemptAt }
}
