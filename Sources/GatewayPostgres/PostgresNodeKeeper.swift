import ChannelKit
import Foundation
import GatewayStore
import Logging
import Synchronization

/// This node's membership of the cluster sharing one database, on a thread and a connection of its own
/// (docs/design/postgresql.md §10).
///
/// - **Heartbeat**: `nodes.heartbeat_at` is refreshed every `beat` (a third of the lease, at most a second). One row
///   renews every claim the node holds, however many (Oban Pro's DynamicLifeline; a per-row lease would rewrite
///   every held row).
/// - **Takeover**: a node whose heartbeat is older than the lease is taken for dead: its claims are released and its
///   row removed in one transaction, so its queued messages are claimed again by whichever node pages first.
/// - **Peers**: the number of live nodes, whenever it changes (each node sends its share of every vendor rate), and
///   the nodes whose channel configuration differs from this one's.
/// - **Pauses**: the paused instances, whenever another node's operator paused or resumed one.
/// - **Poll**: every `poll` the dispatcher is told to page again, for work no commit of this node announced: from its
///   cursors (another node's sends), and with each heartbeat from the start of every lane (released claims,
///   deferred messages now due, sends committed out of sequence order).
final class PostgresNodeKeeper: @unchecked Sendable {
    /// A node row as `gatewayctl nodes` shows it.
    struct Peer: Sendable, Equatable {
        var name: String
        var startedAt: Int64
        var heartbeatAt: Int64
        var configDigest: String
        /// Its dispatcher's totals at that heartbeat.
        var counters = Counters()
    }

    /// A node's dispatcher totals since it started (`queued`: what it holds now).
    struct Counters: Sendable, Equatable {
        var sent = 0
        var failed = 0
        var queued = 0
    }

    private let connection: PostgresConnection
    private let delivery: PostgresDelivery
    private let node: String
    private let lease: Int64
    private let clock: any WallClock
    private let logger: Logger
    private let state = Mutex(State())
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Claims released from dead nodes since start.
    let releasedFromDead = Atomic<Int>(0)
    /// Times the others took this node for dead since start.
    let takenForDead = Atomic<Int>(0)
    /// Whether the heartbeat has been written once (keeper thread only).
    private var beaten = false
    /// The connection's resets as of the last heartbeat: a new one lost the node name's lock with the session.
    private var resetsSeen = 0

    private struct State {
        var poll: @Sendable (_ rewind: Bool) -> Void = { _ in }
        var peersChanged: @Sendable (Int) -> Void = { _ in }
        var configDigest = ""
        var peers: [Peer] = []
        var liveCount = 1
        var pausesChanged: @Sendable (Set<String>) -> Void = { _ in }
        var counters: @Sendable () -> Counters = { Counters() }
        /// The paused instances at the last heartbeat (`nil` before the first).
        var paused: Set<String>?
        var withdrawn: @Sendable ([HeldRuns.Message]) -> Void = { _ in }
    }

    /// Takes the lock of node name `$1` for the session: one process per node name (`t` when taken).
    static let takeNameLock = "SELECT pg_try_advisory_lock(hashtextextended('cgw-node:' || $1, 0))"

    /// How often the dispatcher is told to page again.
    static let poll: Duration = .milliseconds(100)

    init(
        connection: PostgresConnection, delivery: PostgresDelivery, lease: Int64, clock: any WallClock,
        logger: Logger
    ) {
        self.connection = connection
        self.delivery = delivery
        self.node = delivery.node
        self.lease = lease
        self.clock = clock
        self.logger = logger
    }

    /// How often the heartbeat is written: a third of the lease (two beats may be lost before others take over),
    /// at most a second, so peers and rate shares follow a node's start or death quickly.
    var beat: Int64 { min(1000, lease / 3) }

    /// The nodes seen at the last heartbeat, this one included.
    var peers: [Peer] { state.withLock { $0.peers } }

    /// Live nodes at the last heartbeat, this one included.
    var liveCount: Int { state.withLock { $0.liveCount } }

    func onPoll(_ handler: @escaping @Sendable (_ rewind: Bool) -> Void) { state.withLock { $0.poll = handler } }

    /// Calls `handler` with the queued messages another node's commit cancelled (``PostgresWithdrawals``), as soon
    /// as they are heard of.
    func onWithdrawn(_ handler: @escaping @Sendable ([HeldRuns.Message]) -> Void) {
        state.withLock { $0.withdrawn = handler }
    }

    func onPeersChanged(_ handler: @escaping @Sendable (Int) -> Void) {
        let count = state.withLock { state in
            state.peersChanged = handler
            return state.liveCount
        }
        handler(count)
    }

    func setConfigDigest(_ digest: String) { state.withLock { $0.configDigest = digest } }

    /// Sets what reads this node's dispatcher totals for each heartbeat.
    func onCounters(_ provider: @escaping @Sendable () -> Counters) { state.withLock { $0.counters = provider } }

    func onPausesChanged(_ handler: @escaping @Sendable (Set<String>) -> Void) {
        state.withLock { $0.pausesChanged = handler }
    }

    func start() {
        let thread = Thread { [self] in
            ThreadNaming.nameCurrentThread("store-nodes")
            run()
        }
        thread.start()
    }

    /// Stops the thread, then releases this node's claims, removes its row and gives up its name's lock: a clean
    /// stop hands its queued messages to the other nodes at once instead of after the lease.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
        do {
            let released = try delivery.release(nodes: [node], on: connection)
            _ = try connection.query(PostgresStatement("DELETE FROM nodes WHERE name = $1", [node]))
            _ = try connection.query(
                PostgresStatement("SELECT pg_advisory_unlock(hashtextextended('cgw-node:' || $1, 0))", [node]))
            if released > 0 {
                logger.info(
                    "released this node's queued messages for the others", metadata: ["messages": "\(released)"])
            }
        } catch {
            logger.warning("could not release this node's claims at stop", metadata: ["error": "\(error)"])
        }
    }

    private func run() {
        var lastBeat: Int64 = 0
        listen()
        while !stopped.load(ordering: .relaxed) {
            let now = clock.nowMilliseconds
            let beating = now - lastBeat >= beat
            if beating {
                lastBeat = now
                heartbeat(now: now)
            }
            state.withLock { $0.poll }(beating)
            // The wait between polls is spent listening: another node's cancellations arrive as they commit.
            let withdrawn = connection.notifications(waitingUpTo: Self.poll).flatMap { notification in
                PostgresWithdrawals.messages(in: notification.payload, node: node)
            }
            if !withdrawn.isEmpty { state.withLock { $0.withdrawn }(withdrawn) }
        }
        finished.signal()
    }

    /// Writes this node's heartbeat, takes over dead nodes and reports a change of peers.
    /// Listens for other nodes' cancellations on this session.
    private func listen() {
        do {
            try connection.execute("LISTEN \(PostgresWithdrawals.channel)")
        } catch {
            logger.warning(
                "cannot listen for other nodes' cancellations; a message one cancels may still be sent here",
                metadata: ["error": "\(error)"])
        }
    }

    private func heartbeat(now: Int64) {
        let (digest, readCounters) = state.withLock { ($0.configDigest, $0.counters) }
        let counters = readCounters()
        do {
            if connection.resets != resetsSeen {
                resetsSeen = connection.resets
                listen()  // a new session listens to nothing
                let locked = try connection.query(
                    PostgresStatement(Self.takeNameLock, [node]))
                if locked.scalar == "t" {
                    logger.notice("reconnected to the store; this node's name is held again")
                } else {
                    logger.critical(
                        "reconnected to the store, but another process holds this node's name",
                        metadata: ["node": "\(node)"])
                }
            }
            // Round trip 1: this node's row, and the dead nodes locked (SKIP LOCKED: of two survivors taking over
            // at once, one does it). Only when there are any, round trip 2 releases their claims and removes them;
            // the release walks the queued rows, which a heartbeat of a healthy cluster should never pay for.
            let results = try connection.batch([
                PostgresStatement("BEGIN"),
                PostgresStatement(
                    """
                    INSERT INTO nodes (name, started_at, heartbeat_at, config_digest, sent, failed, queued)
                    VALUES ($1, $2, $2, $3, $4, $5, $6)
                    ON CONFLICT (name) DO UPDATE SET heartbeat_at = $2, config_digest = $3, sent = $4, failed = $5,
                        queued = $6
                    RETURNING xmax = 0
                    """,
                    [
                        node, String(now), digest, String(counters.sent), String(counters.failed),
                        String(counters.queued),
                    ]),
                PostgresStatement(
                    "SELECT name FROM nodes WHERE name <> $1 AND heartbeat_at < $2 FOR UPDATE SKIP LOCKED",
                    [node, String(now - lease)]),
            ]).dropFirst()
            let deadNames = results.last?.rows.compactMap { $0[0] } ?? []
            var released = 0
            var finish = [PostgresStatement("COMMIT")]
            if !deadNames.isEmpty {
                finish.insert(
                    PostgresStatement(
                        "DELETE FROM nodes WHERE name = ANY($1::text[])", [PostgresArray.text(deadNames)]),
                    at: 0)
            }
            let ended = try connection.batch(
                (deadNames.isEmpty ? [] : [PostgresDelivery.releaseStatement(deadNames)]) + finish
                    + [
                        PostgresStatement("SELECT channel FROM instance_controls WHERE paused = 1"),
                        PostgresStatement(
                            """
                            SELECT name, started_at, heartbeat_at, config_digest, sent, failed, queued FROM nodes
                            ORDER BY name
                            """),
                    ])
            let paused = Set(ended[ended.count - 2].rows.compactMap { $0[0] })
            if !deadNames.isEmpty { released = ended.first?.affected ?? 0 }
            // The row was made anew after the first beat: others took this node for dead (it stalled past the
            // lease) and released its claims; what it still holds may be sent by another node too.
            if results.first?.scalar == "t", beaten {
                takenForDead.add(1, ordering: .relaxed)
                logger.error(
                    "this node was taken for dead by the others; messages it held may be sent twice",
                    metadata: ["why": "its heartbeat stalled past the lease"])
            }
            beaten = true
            if !deadNames.isEmpty {
                releasedFromDead.add(released, ordering: .relaxed)
                logger.warning(
                    "took over from nodes whose heartbeat stopped",
                    metadata: ["nodes": "\(deadNames.joined(separator: ","))", "messages": "\(released)"])
            }
            let peers = (ended.last?.rows ?? []).map { row in
                Peer(
                    name: row[0] ?? "", startedAt: row[1].flatMap { Int64($0) } ?? 0,
                    heartbeatAt: row[2].flatMap { Int64($0) } ?? 0, configDigest: row[3] ?? "",
                    counters: Counters(
                        sent: row[4].flatMap { Int($0) } ?? 0, failed: row[5].flatMap { Int($0) } ?? 0,
                        queued: row[6].flatMap { Int($0) } ?? 0))
            }
            let live = max(1, peers.count { $0.heartbeatAt >= now - lease })
            let (changed, handler, previous, pausesMoved) = state.withLock { state in
                let previous = state.peers
                state.peers = peers
                let changed = state.liveCount != live
                state.liveCount = live
                let moved = state.paused != nil && state.paused != paused
                state.paused = paused
                return (changed, state.peersChanged, previous, moved ? state.pausesChanged : nil)
            }
            // An operator's pause or resume on any node holds or frees the instance on this one within a beat.
            pausesMoved?(paused)
            if changed {
                logger.notice("nodes sharing the store changed", metadata: ["live": "\(live)"])
                handler(live)
            }
            reportDifferentConfiguration(peers, previous: previous, digest: digest)
        } catch {
            logger.warning("node heartbeat failed", metadata: ["error": "\(error)"])
        }
    }

    /// Logs, once per change, the peers whose channel configuration differs from this node's.
    private func reportDifferentConfiguration(_ peers: [Peer], previous: [Peer], digest: String) {
        func differing(_ list: [Peer]) -> Set<String> {
            Set(list.filter { $0.name != node && !$0.configDigest.isEmpty && $0.configDigest != digest }.map(\.name))
        }
        let now = differing(peers)
        guard !now.isEmpty, now != differing(previous) else { return }
        logger.warning(
            "nodes sharing the store have a different configuration (channels or strategies)",
            metadata: ["nodes": "\(now.sorted().joined(separator: ","))"])
    }
}
