import ChannelKit
package import GatewayStore

/// One unit of work on the PostgreSQL store's writer queue.
///
/// Sends and the dispatcher's records are grouped across everything queued in a turn (one intake transaction,
/// one completion statement); any other work is a closure run on the writer's connection in queue order, as its
/// own transaction, after them.
enum PostgresOperation {
    case accept([AcceptRequest], @Sendable ([AcceptResult]) -> Void)
    case record([AttemptRecord])
    case failover([FailoverMove])
    /// Work on the writer's connection; it answers its own caller (after its own commit), or hears through
    /// `refused` that it will not run (the store closed).
    case work(@Sendable (inout PostgresTurn) -> Void, refused: @Sendable (StoreError) -> Void)
    case barrier(@Sendable () -> Void)
}

/// What the writer hands one turn's work: the connection, the turn's clock and what its commits changed.
package struct PostgresTurn {
    /// The writer's connection (owned by the writer thread for the turn).
    package let connection: PostgresConnection
    /// The turn's wall clock, in milliseconds.
    package let now: Int64
    /// Messages queued for sending by the turn's commits, by channel and lane, for the dispatcher.
    package var newMessages: [String: LaneCounts] = [:]
    /// State changes committed, for subscribers (`nil` while nobody listens).
    package var changes: [StateChange]?
    /// How many of `changes` are already in the webhook outbox, written in the transaction that made them.
    package var outboxed = 0
    /// Messages the turn's intake committed claimed for this node, for its dispatcher.
    package var claimed: [StoredMessage] = []
}
