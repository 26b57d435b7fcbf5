internal import ControlProtocol
public import GatewayStore
import Logging

/// Reports, the change stream's catch-up and the webhook outbox on PostgreSQL, as the SQLite store gives them
/// (`SQLiteMessageStore+Report`, `StoreWriter.appendToOutbox`).
extension PostgresMessageStore {
    /// Per-channel outcomes of the messages accepted since `since` (epoch ms), read on a connection of its own
    /// (opened for the call: reports are rare) so the writer and the dispatcher never wait for it.
    public func report(since: Int64) throws(StoreError) -> [ChannelReport] {
        let results = try reportQuery([
            PostgresStatement(
                """
                SELECT channel, state, reason, vendor_message_id IS NOT NULL, count(*) FROM messages
                WHERE created_at >= $1 GROUP BY channel, state, reason, vendor_message_id IS NOT NULL
                """, [String(since)]),
            PostgresStatement(
                """
                SELECT m.channel, e.kind, count(DISTINCT m.seq) FROM messages m JOIN (
                    SELECT message_seq, event AS kind FROM receipts WHERE event IN ('opened', 'clicked')
                    UNION ALL SELECT message_seq, type FROM engagement_events WHERE type IN ('opened', 'clicked')
                ) e ON e.message_seq = m.seq
                WHERE m.created_at >= $1 GROUP BY m.channel, e.kind
                """, [String(since)]),
        ])
        var reports: [String: ChannelReport] = [:]
        for row in results[0].rows {
            let channel = row[0] ?? ""
            let count = row[4].flatMap { Int($0) } ?? 0
            var report = reports[channel] ?? ChannelReport(channel: channel)
            report.accepted += count
            switch Self.messageState(row[1]) {
            case .sent, .noAnswer, .refused: report.sent += count
            case .delivered, .answered:
                report.sent += count
                report.delivered += count
            case .failed:
                // A vendor-id failure was sent, then reported undelivered; the rest never left.
                if row[3] == "t" { report.sent += count }
                report.failedByReason[row[2] ?? "unknown", default: 0] += count
            case .expired: report.expired += count
            case .suppressed: report.suppressed += count
            default: report.queued += count
            }
            reports[channel] = report
        }
        for row in results[1].rows {
            let channel = row[0] ?? ""
            var report = reports[channel] ?? ChannelReport(channel: channel)
            let count = row[2].flatMap { Int($0) } ?? 0
            if row[1] == TimelineEvent.opened.rawValue {
                report.opened = count
            } else {
                report.clicked = count
            }
            reports[channel] = report
        }
        return reports.values.sorted { $0.channel < $1.channel }
    }

    /// The current state of every message changed since `since` (epoch ms), oldest change first, read on a
    /// connection of its own (for `subscribe` with `since`).
    public func changes(since: Int64, limit: Int) throws(StoreError) -> [StateChange] {
        let rows = try reportQuery([
            PostgresStatement(
                """
                SELECT id, customer, channel, category, state, reason, updated_at, attempts, next_attempt_at
                FROM messages WHERE updated_at >= $1 ORDER BY updated_at, seq LIMIT $2
                """, [String(since), String(limit)])
        ])[0].rows
        var changes: [StateChange] = []
        changes.reserveCapacity(rows.count)
        for row in rows {
            var state = Self.messageState(row[4])
            // As `status` shows it: queued, never tried and waiting for a time is deferred.
            if state == .queued, row[7] == "0", (row[8].flatMap { Int64($0) } ?? 0) > 0 { state = .deferred }
            changes.append(
                StateChange(
                    messageID: row[0] ?? "", customer: try cipher.open(row[1]), channel: row[2] ?? "",
                    category: row[3] ?? "", state: state, reason: row[5], at: row[6].flatMap { Int64($0) } ?? 0))
        }
        return changes
    }

    /// Runs read statements in one round trip on a connection opened for the call (never the writer's, which
    /// belongs to the writer thread).
    private func reportQuery(_ statements: [PostgresStatement]) throws(StoreError) -> [PostgresRows] {
        let connection = try readConnection("report")
        do {
            return try connection.batch(statements)
        } catch {
            throw .statementFailed(error.message)
        }
    }

    /// Removes delivered outbox entries (the webhook answered 2xx for everything up to `sequence`), in the writer's
    /// queue; nobody waits for it, so a failure is only logged (the entries are sent again, as at least once).
    public func acknowledgeOutbox(upTo sequence: Int64) {
        let logger = logger
        perform(
            { turn throws(PostgresError) in
                _ = try turn.connection.query(
                    PostgresStatement("DELETE FROM outbox WHERE seq <= $1", [String(sequence)]))
            },
            completion: { result in
                guard case .failure(let error) = result else { return }
                logger.warning("acknowledging the webhook outbox failed", metadata: ["error": "\(error)"])
            })
    }

    /// Appends changes to the webhook outbox in one statement, in their order (the sorted SELECT feeds the INSERT
    /// row by row, so the numbers follow it); the lines are sealed at rest as their personal fields are elsewhere.
    func appendToOutbox(_ changes: [StateChange], now: Int64, on connection: PostgresConnection) throws(PostgresError) {
        guard let statement = try outboxStatement(changes, now: now) else { return }
        _ = try connection.query(statement)
    }

    /// The statement that appends `changes` to the webhook outbox, in their order (`nil` for none), to run in the
    /// transaction that made them: a change is in the outbox exactly when it committed.
    func outboxStatement(_ changes: some Collection<StateChange>, now: Int64) throws(PostgresError)
        -> PostgresStatement?
    {
        guard !changes.isEmpty else { return nil }
        let cipher = cipher
        let bodies = try Self.fields { () throws(StoreError) in
            try changes.map { change throws(StoreError) in try cipher.seal(change.line) }
        }
        return PostgresStatement(
            """
            INSERT INTO outbox (body, created_at)
            SELECT body, $2 FROM unnest($1::text[]) WITH ORDINALITY AS u(body, i) ORDER BY i
            """, [PostgresArray.text(bodies), String(now)])
    }
}
