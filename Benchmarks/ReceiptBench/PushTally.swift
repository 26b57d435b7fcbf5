/// What one connection saw: answers by status, receipts answered with the expected status, round-trip times.
struct PushTally: Sendable {
    var statuses: [Int: Int] = [:]
    var receipts = 0
    var latencies: [UInt64] = []
    var firstUnexpected: String?
    var failure: String?

    mutating func merge(_ other: PushTally) {
        statuses.merge(other.statuses, uniquingKeysWith: +)
        receipts += other.receipts
        latencies += other.latencies
        firstUnexpected = firstUnexpected ?? other.firstUnexpected
        failure = failure ?? other.failure
    }

    var requests: Int { statuses.values.reduce(0, +) }
}
