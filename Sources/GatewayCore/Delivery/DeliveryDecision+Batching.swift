import ChannelKit

extension DeliveryDecision {
    /// `first` plus the messages after it in the same priority lane that may share its request: equal batch key,
    /// distinct recipients, not expired, no unanswered send; up to `limit` in all. They are taken off `queue`.
    ///
    /// - Parameters:
    ///   - limit: the adapter's batch size; 1 or less never batches.
    ///   - key: the adapter's batch key; `nil` never batches.
    static func batch(
        from first: StoredMessage, queue: inout PriorityQueue, limit: Int, now: Int64,
        key: (OutboundMessage) -> String?
    ) -> [StoredMessage] {
        guard limit > 1, let firstKey = key(first.message) else { return [first] }
        var group = [first]
        var recipients: Set<String> = [first.message.recipient]
        while group.count < limit, let next = queue.peekReady(),
            !recipients.contains(next.message.recipient), next.notAfter.map({ now <= $0 }) ?? true,
            next.unansweredSendAt == nil, key(next.message) == firstKey
        {
            _ = queue.popReady()
            group.append(next)
            recipients.insert(next.message.recipient)
        }
        return group
    }
}
