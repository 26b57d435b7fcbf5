public import GatewayConfig

extension SQLiteMessageStore {
    /// Sets how channel scores decay and when `prefers:<type>` is earned, from the next commit on (the wiring
    /// calls it at start and reload). Applied on the writer thread, in queue order.
    public func setAffinity(_ settings: AffinitySettings) {
        let score = ChannelScore(settings)
        perform({ writer, _, _ throws(StoreError) in writer.runEvents.score = score }, completion: { _ in })
    }
}

extension SQLiteMessageStore {
    /// SMS replies that are not opt-outs reach the senders' newest SMS touches as `replied` (one transaction).
    public func recordReplies(
        _ senders: [String], at: Int64?, completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        guard !senders.isEmpty else { return completion(.success(0)) }
        perform(
            { writer, now, _ throws(StoreError) in try writer.recordReplies(senders, at: at ?? now, now: now) },
            completion: completion)
    }
}
