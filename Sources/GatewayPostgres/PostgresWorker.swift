import Foundation
import GatewayStore

/// A thread with a PostgreSQL connection of its own that takes everything queued on it in one turn.
///
/// The store runs two: the writer (sends, queries, operator work) and the completer (the dispatcher's records), so
/// a client's ACK never waits behind the commit of a completion, and the two commits' WAL flushes overlap in the
/// server instead of following each other.
final class PostgresWorker: @unchecked Sendable {
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var operations: [PostgresOperation] = []
    private var closing = false
    private var finished = false
    private let name: String
    private let connection: PostgresConnection
    /// How long a turn waits, once woken, for more work to join it (zero: none).
    private let gather: Duration
    /// One turn: the operations taken (empty when a second passed idle) on the worker's connection.
    private let turn: ([PostgresOperation], PostgresConnection) -> Void

    init(
        name: String, connection: PostgresConnection, gather: Duration = .zero,
        turn: @escaping ([PostgresOperation], PostgresConnection) -> Void
    ) {
        self.name = name
        self.connection = connection
        self.gather = gather
        self.turn = turn
    }

    func start() {
        let thread = Thread { [self] in
            ThreadNaming.nameCurrentThread(name)
            run()
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Queues `operation` for the next turn; `false` (not queued) once the worker is closing.
    @discardableResult
    func enqueue(_ operation: PostgresOperation) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closing else { return false }
        operations.append(operation)
        condition.signal()
        return true
    }

    /// Puts operations a turn did not get to back at the head of the queue, ahead of what arrived meanwhile (the
    /// next turn takes them first, after that turn's sends).
    func putBack(_ operations: some Collection<PostgresOperation>) {
        guard !operations.isEmpty else { return }
        condition.lock()
        self.operations.insert(contentsOf: operations, at: 0)
        condition.signal()
        condition.unlock()
    }

    /// Runs what is queued, stops the thread and waits for it. Later operations are refused.
    func close() {
        condition.lock()
        closing = true
        condition.signal()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while operations.isEmpty && !closing {
                // A turn at least every second even when idle (the watchdog's heartbeat, pruning).
                _ = condition.wait(until: Date(timeIntervalSinceNow: 1))
                if operations.isEmpty { break }
            }
            if gather > .zero, !operations.isEmpty, !closing {
                // Work nobody waits on: a few milliseconds more make each statement carry more rows.
                condition.unlock()
                Thread.sleep(forTimeInterval: Double(gather.components.attoseconds) / 1e18)
                condition.lock()
            }
            let batch = operations
            operations.removeAll(keepingCapacity: true)
            let stop = closing && batch.isEmpty
            condition.unlock()
            if stop { break }
            turn(batch, connection)
        }
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }
}
