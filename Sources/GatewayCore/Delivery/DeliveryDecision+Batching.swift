import ChannelKit

extension DeliveryDecision {
    /// `first` plus the messages that start after it in the same priority lane and may share its request: equal
    /// batch key, distinct recipients, not expired, no unanswered send; up to `limit` in all. They are taken off
    /// `queue` in its start order (``PriorityQueue/next(wallNow:)``: due timers, then the window), so messages
    /// released by timers batch as queued ones do.
    ///
    /// - Parameters:
    ///   - limit: the adapter's batch size; 1 or less never batches.
    ///   - now: wall-clock epoch milliseconds: which timers are due, which messages expired.
    ///   - key: the adapter's batch key; `nil` never batches.
    static func batch(
        from first: StoredMessage, queue: inout PriorityQueue, limit: Int, now: Int64,
        key: (OutboundMessage) -> String?
    ) -> [StoredMessage] {
        guard limit > 1, let firstKey = key(first.message) else { return [first] }
        var group = [first]
        var recipients: Set<String> = [first.message.recipient]
        func fits(_ next: StoredMessage) -> Bool {
            !recipients.contains(next.message.recipient) && (next.notAfter.map { now <= $0 } ?? true)
                && next.unansweredSendAt == nil && key(next.message) == firstKey
        }
        // Due timers start before the window: a batch stops at the first one that cannot join, as it does in the
        // window. Two loops rather than one over both: the window's loop stays as cheap as it was.
        while group.count < limit, let next = queue.dueTimer(wallNow: now) {
            guard fits(next) else { return group }
            queue.dropDueTimer()
            group.append(next)
            recipients.insert(next.message.recipient)
        }
        while group.count < limit, let next = queue.peekReady(), fits(next) {
            queue.dropReady()
            group.append(next)
            recipients.insert(next.message.recipient)
        }
        return group
    }
}
