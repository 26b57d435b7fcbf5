import Synchronization

/// The cluster as this node sees it, for the gateway's wiring and `gatewayctl nodes`.
extension PostgresMessageStore {
    /// A node sharing the store, as its last heartbeat left it.
    public struct NodeInfo: Sendable, Equatable {
        public var name: String
        public var startedAt: Int64
        public var heartbeatAt: Int64
        /// Whether its heartbeat is within the lease.
        public var live: Bool
        /// Whether its channel configuration differs from this node's.
        public var differentConfiguration: Bool
        /// Its dispatcher's sent and failed messages since it started, and the queued ones it holds.
        public var sent: Int
        public var failed: Int
        public var queued: Int
    }

    /// Sets what reads this node's dispatcher totals (sent, failed, queued held) for each heartbeat, so every
    /// node can show the cluster's.
    public func onNodeCounters(_ provider: @escaping @Sendable () -> (sent: Int, failed: Int, queued: Int)) {
        keeper.onCounters {
            let totals = provider()
            return PostgresNodeKeeper.Counters(sent: totals.sent, failed: totals.failed, queued: totals.queued)
        }
    }

    /// The cluster's totals at the last heartbeat, over its live nodes, for `stats`: `cluster_nodes`,
    /// `cluster_sent`, `cluster_failed` and `cluster_queued` (at most a heartbeat old).
    public func clusterStats(now: Int64) -> [(String, Int)] {
        let live = nodes(now: now).filter(\.live)
        return [
            ("cluster_nodes", live.count), ("cluster_sent", live.reduce(0) { $0 + $1.sent }),
            ("cluster_failed", live.reduce(0) { $0 + $1.failed }),
            ("cluster_queued", live.reduce(0) { $0 + $1.queued }),
        ]
    }

    /// Sets what is called every poll (100 ms): the dispatcher pages again for work other nodes committed, and
    /// with `rewind` (each heartbeat) from the start of every lane, for claims released from dead nodes, deferred
    /// messages now due and sends committed out of sequence order.
    public func onPoll(_ handler: @escaping @Sendable (_ rewind: Bool) -> Void) { keeper.onPoll(handler) }

    /// Sets what is called with the number of live nodes now, and whenever it changes.
    public func onLiveNodes(_ handler: @escaping @Sendable (Int) -> Void) { keeper.onPeersChanged(handler) }

    /// Sets what is called with every paused instance when the store's pauses change (an operator on any node
    /// paused or resumed one); read with each heartbeat.
    public func onPausesChanged(_ handler: @escaping @Sendable (Set<String>) -> Void) {
        keeper.onPausesChanged(handler)
    }

    /// Sets the digest of this node's channel configuration, written with its heartbeat; peers with another one
    /// are logged and shown by `nodes`.
    public func setConfigDigest(_ digest: String) { keeper.setConfigDigest(digest) }

    /// The nodes at the last heartbeat, this one included.
    public func nodes(now: Int64) -> [NodeInfo] {
        let mine = keeper.peers.first { $0.name == node }?.configDigest ?? ""
        return keeper.peers.map { peer in
            NodeInfo(
                name: peer.name, startedAt: peer.startedAt, heartbeatAt: peer.heartbeatAt,
                live: peer.heartbeatAt >= now - configurationLease,
                differentConfiguration: !peer.configDigest.isEmpty && peer.configDigest != mine,
                sent: peer.counters.sent, failed: peer.counters.failed, queued: peer.counters.queued)
        }
    }

    /// Claims released from nodes whose heartbeat stopped, and times others took this node for dead, since start.
    public var takeovers: (released: Int, takenForDead: Int) {
        (keeper.releasedFromDead.load(ordering: .relaxed), keeper.takenForDead.load(ordering: .relaxed))
    }
}
