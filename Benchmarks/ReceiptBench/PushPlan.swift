import NIOCore
import Synchronization

/// Every POST of one push phase, built before the clock starts, and the index the connections take them from.
final class PushPlan: Sendable {
    /// One prepared POST: its head and body, as they go on the wire.
    struct Request: Sendable {
        let bytes: ByteBuffer
        /// Receipts in the body.
        let receipts: Int
    }

    let requests: [Request]
    /// POSTs to make in all; past `requests.count` the list is posted again from the start.
    let total: Int
    private let next = Atomic<Int>(0)
    /// Answers received so far (for progress).
    let answered = Atomic<Int>(0)

    init(requests: [Request], total: Int? = nil) {
        self.requests = requests
        self.total = total ?? requests.count
    }

    /// The next request to make, or `nil` when all are taken.
    func take() -> Request? {
        let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
        guard index < total, !requests.isEmpty else { return nil }
        return requests[index % requests.count]
    }

    /// Groups `records` into POSTs of up to `batch` receipts of one vendor (consecutive records of the same
    /// vendor share a POST), each to `target`'s path for its vendor.
    static func build(records: [ReceiptRecord], batch: Int, target: PushTarget, total: Int? = nil) -> PushPlan {
        let time = ReceiptBodies.beijingNow()
        var requests: [Request] = []
        requests.reserveCapacity(records.count / max(batch, 1) + 1)
        var start = records.startIndex
        while start < records.endIndex {
            let vendor = records[start].vendor
            var end = start + 1
            while end < records.endIndex, end - start < batch, records[end].vendor == vendor { end += 1 }
            let body = ReceiptBodies.body(records[start..<end], at: time)
            var bytes = ByteBuffer()
            bytes.writeString(
                "POST \(target.path(for: vendor)) HTTP/1.1\r\nHost: \(target.hostHeader)\r\n"
                    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
            bytes.writeString(body)
            requests.append(Request(bytes: bytes, receipts: end - start))
            start = end
        }
        return PushPlan(requests: requests, total: total)
    }
}
