import ChannelKit
import ControlProtocol
import Foundation
public import GatewayConfig
public import GatewayStore
public import Logging
import Synchronization

/// The store on PostgreSQL (`store: {backend: postgresql}`), behind the same ``MessageStoring`` as the embedded
/// SQLite store (docs/design/postgresql.md §10).
///
/// One writer thread per node, as in SQLite: every send becomes an item on the intake queue, and the writer takes
/// everything queued in a turn, accepting all its sends in one transaction (``PostgresIntake``: two pipelined round
/// trips) and completing all the dispatcher's records in one statement (``PostgresDelivery``); a client hears its
/// ACK only after that commit. Other work (receipts, operator commands, queries) runs after them, each as its own
/// transaction on the same connection. Readers (the dispatcher, the poller, the probes) have connections of their
/// own.
///
/// Several nodes may share one database. Each claims the messages its dispatcher pages (``PostgresDelivery``), keeps
/// them while its heartbeat lives and releases them when they leave `queued`; ``PostgresNodeKeeper`` writes the
/// heartbeat, takes over the claims of nodes whose heartbeat stopped, tells the dispatcher to page again every
/// 100 ms and reports how many nodes are live (each sends its share of every vendor rate). One process per node name
/// (a session advisory lock on the name). The customer directory and forget (`+Customers`, `+Forget`) and strategy
/// runs (``PostgresRuns``, `+Strategies`) are served as on SQLite.
public final class PostgresMessageStore: MessageStoring, @unchecked Sendable {
    // Guarded by `condition`: the intake bound and the settings the workers read each turn.
    private let condition = NSCondition()
    private var pendingAccepts = 0
    private var closing = false
    private var policy = AdmissionPolicy(PolicyConfiguration())
    private var committedChannels: @Sendable ([String: LaneCounts]) -> Void = { _ in }
    /// Takes the messages an intake commit claimed for this node (its dispatcher); unset, sends are left for a
    /// claim to page.
    private var claimedHandler: (@Sendable ([StoredMessage]) -> Void)?
    private var pollDelays: [String: Int64] = [:]

    private let url: PostgresConnectionString
    private let configuration: PostgresStoreConfiguration
    private let maxPendingAccepts: Int
    let dedupWindow: Int64
    let retention: Int64
    let cipher: FieldCipher
    let clock: any WallClock
    let logger: Logger
    let intake: PostgresIntake
    let delivery: PostgresDelivery
    /// Whether any customer was forgotten, and the pseudonym key admission and `forget` use.
    let forgotten: PostgresForgottenSubjects
    /// Heartbeat, takeover and peers, on a connection of its own that also holds the node name's lock.
    let keeper: PostgresNodeKeeper
    /// Strategy runs on the writer (writer thread only).
    let runs: PostgresRuns
    /// Told after commits that wrote timers (earliest due) and that finished runs early.
    let strategyHandlers = Mutex<(timers: (@Sendable (Int64) -> Void)?, holds: (@Sendable (HeldRuns) -> Void)?)>(
        (nil, nil))
    /// Sends, queries and operator work (set once in `init`).
    private var writer: PostgresWorker!
    /// The dispatcher's records and failovers (set once in `init`).
    private var completer: PostgresWorker!
    /// When the writer last pruned (writer thread only).
    private var lastPrune: Int64 = 0
    private let commits = Atomic<Int>(0)
    private let heartbeat = Atomic<Int64>(0)
    private let outboxEnabled = Atomic<Bool>(false)
    private let outboxWaiters = Mutex<[@Sendable () -> Void]>([])
    /// Committed state changes, for `subscribe`.
    public let feed = ChangeFeed()
    /// Sent → delivered latency of matched delivery receipts (seconds buckets, for `/metrics`).
    public let receiptLatency = LatencyHistogram(bounds: [1, 5, 15, 60, 300, 1800, 3600, 21_600, 86_400])

    /// Transactions committed since the store opened.
    public var commitCount: Int { commits.load(ordering: .relaxed) }

    /// Wall-clock milliseconds of the writer loop's last turn (it turns at least once a second).
    public var lastTurn: Int64 { heartbeat.load(ordering: .relaxed) }

    /// The database, without its password.
    public var location: String { url.description }

    /// This node's name, as claims and the `nodes` table record it.
    public var node: String { configuration.nodeName }

    /// How long a node's heartbeat may be silent before the others take over its messages (ms).
    var configurationLease: Int64 { configuration.lease.milliseconds }

    /// Connects, brings the schema up to date (under the migration lock), takes the node name's lock, releases
    /// the claims an earlier run of this node left and starts the writer and the node keeper.
    /// - Parameters:
    ///   - configuration: `store:` from gateway.yaml (`node_name`, `lease`).
    ///   - dedupWindow: how long a dedup key suppresses repeats.
    ///   - retention: how long finished messages are kept.
    ///   - encryptionKey: 32 bytes to encrypt addresses, content and parameters at rest, or `nil`.
    ///   - maxPendingAccepts: intake queue bound; beyond it `accept` refuses (the client hears `overloaded`).
    ///   - clock: wall clock for timestamps.
    ///   - logger: where store failures are logged.
    /// - Throws: ``StoreError/openFailed(_:)`` in one line: the server unreachable, the schema newer, or another
    ///   process running as the same node.
    public init(
        configuration: PostgresStoreConfiguration, dedupWindow: Duration, retention: Duration = .seconds(90 * 86_400),
        encryptionKey: [UInt8]? = nil, maxPendingAccepts: Int, clock: any WallClock, logger: Logger
    ) throws(StoreError) {
        self.configuration = configuration
        self.dedupWindow = dedupWindow.milliseconds
        self.retention = retention.milliseconds
        self.cipher = FieldCipher(key: encryptionKey)
        self.maxPendingAccepts = maxPendingAccepts
        self.clock = clock
        self.logger = logger
        forgotten = PostgresForgottenSubjects(cipher: cipher)
        intake = PostgresIntake(cipher: cipher, dedupWindow: self.dedupWindow, forgotten: forgotten)
        delivery = PostgresDelivery(cipher: cipher, node: configuration.nodeName)
        runs = PostgresRuns(cipher: cipher, node: configuration.nodeName)
        do {
            url = try PostgresConnectionString(configuration.url)
        } catch {
            throw .openFailed("store url: \(error)")
        }
        let writerConnection: PostgresConnection
        let completerConnection: PostgresConnection
        do {
            let nodeConnection = try Self.connect(url, node: configuration.nodeName, role: "nodes")
            try PostgresSchema.migrate(nodeConnection, node: configuration.nodeName, logger: logger)
            // One process per node name: its claims are its own, and a start releases what an earlier run left.
            let locked = try nodeConnection.query(
                PostgresStatement(PostgresNodeKeeper.takeNameLock, [configuration.nodeName]))
            guard locked.scalar == "t" else {
                throw PostgresError.nodeBusy(
                    "another gatewayd runs as node '\(configuration.nodeName)' on \(url); give each node its own"
                        + " store.node_name")
            }
            writerConnection = try Self.connect(url, node: configuration.nodeName, role: "writer")
            completerConnection = try Self.connect(url, node: configuration.nodeName, role: "completer")
            let released = try delivery.release(nodes: [configuration.nodeName], on: writerConnection)
            if released > 0 {
                logger.info(
                    "released the messages this node held before its restart", metadata: ["messages": "\(released)"])
            }
            keeper = PostgresNodeKeeper(
                connection: nodeConnection, delivery: delivery, lease: configuration.lease.milliseconds, clock: clock,
                logger: logger)
        } catch let error as PostgresError {
            throw .openFailed(error.message)
        } catch {
            throw .openFailed("\(error)")
        }
        writer = PostgresWorker(name: "store-writer", connection: writerConnection) {
            [unowned self] batch, connection in
            writerTurn(batch, connection: connection)
        }
        // Records wait up to 5 ms for more: nobody waits on them, and each completion statement and commit then
        // carries a dispatcher's several turns.
        completer = PostgresWorker(name: "store-completer", connection: completerConnection, gather: .milliseconds(5)) {
            [unowned self] batch, connection in completerTurn(batch, connection: connection)
        }
        // Another node's cancel of a message paged in here: the dispatcher drops it as it drops its own.
        keeper.onWithdrawn { [weak self] messages in self?.reportHeld(HeldRuns(messages: messages)) }
        writer.start()
        completer.start()
        keeper.start()
    }

    /// A connection named after the node and its use in `pg_stat_activity`.
    static func connect(_ url: PostgresConnectionString, node: String, role: String) throws(PostgresError)
        -> PostgresConnection
    {
        try PostgresConnection(url, applicationName: "gatewayd \(node) \(role)")
    }

    /// A connection of its own (readers, reports, start-up counts).
    func readConnection(_ role: String) throws(StoreError) -> PostgresConnection {
        do {
            return try Self.connect(url, node: configuration.nodeName, role: role)
        } catch {
            throw .openFailed(error.message)
        }
    }

    /// Sets the caps, quiet hours and opt-out rules applied to sends from the next commit on.
    public func setPolicy(_ configuration: PolicyConfiguration) {
        let compiled = AdmissionPolicy(configuration)
        condition.lock()
        policy = compiled
        condition.unlock()
    }

    /// The admission policy sends are decided by now.
    var currentAdmissionPolicy: AdmissionPolicy {
        condition.lock()
        defer { condition.unlock() }
        return policy
    }

    /// Whether an SMS reply is an opt-out keyword under the current policy.
    public func isOptOutKeyword(_ reply: String) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return policy.keywords.matches(reply)
    }

    /// The embedded store calls this when its file is deleted under it. A database has no such loss: a lost
    /// session is reconnected before the next statement (``PostgresConnection``), so the handler is never called.
    public func onLost(_ handler: @escaping @Sendable (StoreError) -> Void) {}

    /// Sets what the store calls after each commit that queued new messages, with counts by channel and lane.
    public func onCommit(_ handler: @escaping @Sendable ([String: LaneCounts]) -> Void) {
        condition.lock()
        committedChannels = handler
        condition.unlock()
    }

    /// Hands the messages each intake commit inserted claimed for this node to `handler` (the dispatcher) instead
    /// of leaving them for a claim to read back: a statement and a row version less per message. Messages the
    /// handler cannot take come back through ``release(_:)``.
    public func onClaimed(_ handler: @escaping @Sendable ([StoredMessage]) -> Void) {
        condition.lock()
        claimedHandler = handler
        condition.unlock()
    }

    /// Whether the intake queue has room for `count` more and the store is open: customer upserts honour the
    /// same bound as accepts, as on SQLite.
    func intakeHasRoom(_ count: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return !closing && pendingAccepts + count <= maxPendingAccepts
    }

    /// Releases this node's claims on `sequences` (handed messages its dispatcher had no room for), so any node
    /// pages them.
    public func release(_ sequences: [Int64]) {
        guard !sequences.isEmpty else { return }
        enqueue(
            .work(
                { [delivery, logger] turn in
                    do {
                        _ = try delivery.unclaim(sequences, on: turn.connection)
                    } catch {
                        // They stay claimed by this node until its next start releases them.
                        logger.error("releasing claims failed", metadata: ["error": "\(error)"])
                    }
                }, refused: { _ in }))
    }

    /// Queues messages for the next group commit.
    /// - Returns: `false`, without queueing, if the intake queue is full or the store is closing.
    public func accept(_ requests: [AcceptRequest], completion: @escaping @Sendable ([AcceptResult]) -> Void) -> Bool {
        condition.lock()
        guard !closing, pendingAccepts + requests.count <= maxPendingAccepts else {
            condition.unlock()
            return false
        }
        pendingAccepts += requests.count
        condition.unlock()
        guard writer.enqueue(.accept(requests, completion)) else {
            releaseIntake(requests.count)
            return false
        }
        return true
    }

    private func releaseIntake(_ count: Int) {
        condition.lock()
        pendingAccepts -= count
        condition.unlock()
    }

    /// Queues attempt records for the next completion (no answer: the dispatcher has already moved on).
    public func record(_ records: [AttemptRecord]) {
        guard !records.isEmpty else { return }
        completer.enqueue(.record(records))
    }

    /// Moves failed messages to their instances' backups in the next turn.
    public func failover(_ moves: [FailoverMove]) {
        guard !moves.isEmpty else { return }
        completer.enqueue(.failover(moves))
    }

    /// Calls `completion` once everything queued before it is committed: the completer's records, then the
    /// writer's work (the completer hands the barrier on when it reaches it).
    public func barrier(_ completion: @escaping @Sendable () -> Void) {
        let handOn = PostgresOperation.barrier { [weak self] in
            if self?.writer.enqueue(.barrier(completion)) != true { completion() }
        }
        if !completer.enqueue(handOn) { completion() }
    }

    /// Sets which channels poll for receipts and how long after a send they first ask (from the next turn).
    public func setPolling(_ delays: [String: Duration]) {
        condition.lock()
        pollDelays = delays.mapValues(\.milliseconds)
        condition.unlock()
    }

    /// Runs `body` on the writer's connection in its own transaction, after everything queued before it, and
    /// hands its result (or the error; then nothing of it holds) to `completion` after the commit.
    func perform<Value: Sendable>(
        _ body: @escaping @Sendable (inout PostgresTurn) throws(PostgresError) -> Value,
        completion: @escaping @Sendable (Result<Value, StoreError>) -> Void
    ) {
        enqueue(
            .work(
                { [weak self] turn in
                    let connection = turn.connection
                    var draft = turn
                    do throws(PostgresError) {
                        try connection.begin()
                        let value = try body(&draft)
                        if let self, let changes = draft.changes, self.outboxOn,
                            let append = try self.outboxStatement(changes[draft.outboxed...], now: draft.now)
                        {
                            _ = try connection.query(append)
                            draft.outboxed = changes.count
                        }
                        try connection.commit()
                        turn = draft
                        completion(.success(value))
                    } catch {
                        connection.rollback()
                        completion(.failure(.statementFailed(error.message)))
                    }
                }, refused: { completion(.failure($0)) }))
    }

    /// Runs a query on the writer's connection after everything queued before it (no transaction of its own).
    func read<Value: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) throws(PostgresError) -> Value,
        completion: @escaping @Sendable (Result<Value, StoreError>) -> Void
    ) {
        enqueue(
            .work(
                { turn in
                    do throws(PostgresError) {
                        completion(.success(try body(turn.connection)))
                    } catch {
                        completion(.failure(.statementFailed(error.message)))
                    }
                }, refused: { completion(.failure($0)) }))
    }

    private func enqueue(_ operation: PostgresOperation) {
        if !writer.enqueue(operation) { Self.refuse(operation, .closed) }
    }

    /// Starts keeping every state change in the webhook outbox; `wake` is called after commits that add some.
    public func enableOutbox(wake: @escaping @Sendable () -> Void) {
        outboxWaiters.withLock { $0.append(wake) }
        outboxEnabled.store(true, ordering: .relaxed)
    }

    /// Commits everything queued, stops the writer and waits for it; releases the node lock. Later calls are
    /// refused.
    public func close() {
        condition.lock()
        closing = true
        condition.unlock()
        // The completer first: a barrier it holds hands on to the writer.
        completer.close()
        writer.close()
        keeper.stop()
    }

    /// How long a writer turn runs other work after its sends before it lets the next turn's sends in.
    static let turnBudget = Duration.milliseconds(10)

    /// The writer's turn: every send in one transaction, then the other work in queue order (for at most
    /// ``turnBudget``), then the dispatcher and the subscribers hear of it.
    private func writerTurn(_ batch: [PostgresOperation], connection: PostgresConnection) {
        condition.lock()
        let notify = committedChannels
        let policy = self.policy
        let handoff = claimedHandler
        condition.unlock()
        let now = clock.nowMilliseconds
        heartbeat.store(now, ordering: .relaxed)
        if now - lastPrune > 60_000 {
            // A full batch means more is due: come back on the next turn rather than in a minute.
            let more = prune(connection, now: now, capWindow: policy.longestWindow)
            lastPrune = more ? now - 60_000 : now
        }
        guard !batch.isEmpty else { return }
        var turn = PostgresTurn(connection: connection, now: now, changes: collectsChanges ? [] : nil)
        releaseIntake(acceptAll(batch, policy: policy, claimFor: handoff == nil ? nil : node, turn: &turn))
        // Work past the turn's budget waits for the next turn, which takes the sends queued meanwhile first: a
        // client's ACK waits behind one budget of other work (an enrolment batch, a forget), not all of it.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: Self.turnBudget)
        for (index, operation) in batch.enumerated() {
            switch operation {
            case .work where index > 0 && clock.now > deadline:
                writer.putBack(batch[index...].filter { if case .accept = $0 { false } else { true } })
                finish(turn, notify: notify)
                if let handoff, !turn.claimed.isEmpty { handoff(turn.claimed) }
                return
            case .work(let body, _):
                body(&turn)
                commits.add(1, ordering: .relaxed)
            case .barrier(let completion):
                completion()
            case .accept, .record, .failover:
                break
            }
        }
        finish(turn, notify: notify)
        if let handoff, !turn.claimed.isEmpty { handoff(turn.claimed) }
    }

    /// The completer's turn: the records in one statement, then the failovers; barriers hand on to the writer.
    private func completerTurn(_ batch: [PostgresOperation], connection: PostgresConnection) {
        guard !batch.isEmpty else { return }
        condition.lock()
        let notify = committedChannels
        let pollDelays = self.pollDelays
        condition.unlock()
        var turn = PostgresTurn(
            connection: connection, now: clock.nowMilliseconds, changes: collectsChanges ? [] : nil)
        completeAll(batch, pollDelays: pollDelays, turn: &turn)
        finish(turn, notify: notify)
        for case .barrier(let handOn) in batch { handOn() }
    }

    /// Whether the webhook outbox is on (every change is kept in it, in the transaction that made it).
    var outboxOn: Bool { outboxEnabled.load(ordering: .relaxed) }

    /// Whether commits collect their state changes (someone subscribes, or the webhook outbox is on).
    private var collectsChanges: Bool { feed.isActive || outboxEnabled.load(ordering: .relaxed) }

    /// Tells the dispatcher of the turn's new messages and publishes its changes.
    private func finish(_ turn: PostgresTurn, notify: @Sendable ([String: LaneCounts]) -> Void) {
        if !turn.newMessages.isEmpty { notify(turn.newMessages) }
        if let changes = turn.changes, !changes.isEmpty {
            publish(changes, outboxed: turn.outboxed, connection: turn.connection, now: turn.now)
        }
    }

    /// Accepts every send of the turn in one transaction and answers each client; how many sends it took.
    private func acceptAll(
        _ batch: [PostgresOperation], policy: AdmissionPolicy, claimFor node: String?, turn: inout PostgresTurn
    ) -> Int {
        var requests: [AcceptRequest] = []
        for case .accept(let part, _) in batch { requests += part }
        guard !requests.isEmpty else { return 0 }
        let now = turn.now
        // With the outbox on, the sends' changes go into it in the sends' own transaction.
        let outbox: (([AcceptResult]) throws(PostgresError) -> PostgresStatement?)? =
            outboxOn
            ? { results throws(PostgresError) in
                try self.outboxStatement(
                    zip(requests, results).compactMap { Self.change(of: $0, $1, now: now) }, now: now)
            } : nil
        let accepted = intake.accept(
            requests, now: now, policy: policy, claimFor: node, alsoCommit: outbox, on: turn.connection)
        let results = accepted.results
        commits.add(1, ordering: .relaxed)
        turn.claimed += accepted.claimed
        let handed = Set(accepted.claimed.lazy.map(\.message.id))
        var offset = 0
        for case .accept(let part, let completion) in batch {
            for (request, result) in zip(part, results[offset..<offset + part.count]) {
                noteAccepted(request, result, handed: handed.contains(request.message.id), turn: &turn)
            }
            completion(Array(results[offset..<offset + part.count]))
            offset += part.count
        }
        if outbox != nil { turn.outboxed = turn.changes?.count ?? 0 }
        return requests.count
    }

    /// Counts an accepted message for the dispatcher (unless `handed` to it already) and notes its change.
    private func noteAccepted(
        _ request: AcceptRequest, _ result: AcceptResult, handed: Bool, turn: inout PostgresTurn
    ) {
        let message = request.message
        switch result {
        case .queued where !handed, .deferred:
            turn.newMessages[message.channel, default: .zero][PriorityLane(message.category)] += 1
        default:
            break
        }
        if turn.changes != nil, let change = Self.change(of: request, result, now: turn.now) {
            turn.changes?.append(change)
        }
    }

    /// The state change an accepted send makes (`nil` for a duplicate or a failure).
    private static func change(of request: AcceptRequest, _ result: AcceptResult, now: Int64) -> StateChange? {
        var state = MessageState.queued
        var reason: String?
        switch result {
        case .queued: break
        case .deferred: state = .deferred
        case .suppressed(_, let why, _):
            state = .suppressed
            reason = why.rawValue
        default: return nil
        }
        let message = request.message
        return StateChange(
            messageID: message.id, customer: request.customer, channel: message.channel,
            category: message.category.name, state: state, reason: reason, at: now)
    }

    /// Completes the turn's attempt records in one statement, then moves its failovers.
    private func completeAll(_ batch: [PostgresOperation], pollDelays: [String: Int64], turn: inout PostgresTurn) {
        var records: [AttemptRecord] = []
        var moves: [FailoverMove] = []
        for operation in batch {
            switch operation {
            case .record(let part): records += part
            case .failover(let part): moves += part
            default: break
            }
        }
        if !records.isEmpty {
            let connection = turn.connection
            let outbox = outboxOn
            do {
                // With the outbox on, the records and their changes' outbox lines commit together.
                if outbox { try connection.begin() }
                let completion = try delivery.complete(
                    records, pollDelays: pollDelays, collectChanges: turn.changes != nil, on: connection)
                if outbox {
                    if let append = try outboxStatement(completion.changes, now: turn.now) {
                        _ = try connection.query(append)
                    }
                    try connection.commit()
                }
                commits.add(1, ordering: .relaxed)
                turn.changes? += completion.changes
                if outbox { turn.outboxed = turn.changes?.count ?? 0 }
                if completion.lost > 0 {
                    logger.warning(
                        "attempts recorded for messages this node no longer held",
                        metadata: ["records": "\(completion.lost)"])
                }
                afterSent(records, turn: &turn)
            } catch {
                if outbox { connection.rollback() }
                // The dispatcher has moved on: the messages stay queued and claimed, and are sent again after
                // a restart (at least once, never lost).
                logger.error(
                    "recording attempts failed", metadata: ["records": "\(records.count)", "error": "\(error)"])
            }
        }
        if !moves.isEmpty {
            do {
                let moved = try delivery.failover(moves, now: turn.now, on: turn.connection)
                commits.add(1, ordering: .relaxed)
                for move in moves where moved.contains(move.sequence) {
                    turn.newMessages[move.channel, default: .zero][move.priority] += 1
                }
            } catch {
                logger.error("failing over messages failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Publishes committed changes to subscribers and wakes the webhook sender; changes past `outboxed` (made by
    /// a statement outside a transaction of the store's own: a late receipt's match) are appended to the outbox now.
    private func publish(_ changes: [StateChange], outboxed: Int, connection: PostgresConnection, now: Int64) {
        feed.publish(changes)
        guard outboxOn else { return }
        do {
            if outboxed < changes.count { try appendToOutbox(Array(changes[outboxed...]), now: now, on: connection) }
            for wake in outboxWaiters.withLock({ $0 }) { wake() }
        } catch {
            logger.error("appending to the webhook outbox failed", metadata: ["error": "\(error)"])
        }
    }

    /// Answers an operation that will not run.
    private static func refuse(_ operation: PostgresOperation, _ error: StoreError) {
        switch operation {
        case .accept(let requests, let completion): completion(requests.map { _ in .failed(error) })
        case .barrier(let completion): completion()
        case .work(_, let refused): refused(error)
        case .record, .failover: break
        }
    }
}
