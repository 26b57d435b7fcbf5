import ChannelKit
import GatewayStore

/// A customer's profile as `customer_show` reads it (SQLite's `StoreWriter.customerProfile`), in one round trip:
/// every statement finds the customer by key.
extension PostgresCustomerDirectory {
    /// The customer's directory entry, standing opt-outs, active runs and last 10 touches; `nil` if unknown.
    func profile(_ id: String, on connection: PostgresConnection) throws(PostgresError) -> CustomerProfile? {
        let ck = customerKey(id)
        let number = "(SELECT cn FROM customers WHERE ck = $1)"
        let results = try connection.batch([
            PostgresStatement(
                "SELECT cn, id_sealed, zone, attributes_sealed, created_at, updated_at FROM customers WHERE ck = $1",
                [ck]),
            PostgresStatement(
                "SELECT channel_type, address_sealed FROM customer_addresses WHERE cn = \(number)", [ck]),
            PostgresStatement("SELECT tag FROM customer_tags WHERE cn = \(number)", [ck]),
            Self.scores("cn = \(number)", [ck]),
            PostgresStatement(
                "SELECT channel, opted_out, log_seq FROM consent_state WHERE subject = $1 ORDER BY channel COLLATE \"C\"",
                [ck]),
            // Runs not finished, oldest first, with their timers (history left out: `runs` shows it).
            PostgresStatement(
                """
                SELECT r.run_id, r.name, r.version, r.state, r.step, r.rev, r.visit, r.holdout, r.outcome, r.started_at,
                    r.updated_at, r.finished_at, t.due_at, t.rev, t.kind
                FROM runs r LEFT JOIN run_timers t ON t.run_id = r.run_id
                WHERE r.cn = \(number) AND r.state != 'finished' ORDER BY r.started_at, r.run_id
                """, [ck]),
            // The last 10 touches (send rows of any run), newest first.
            PostgresStatement(
                """
                SELECT s.visit, s.step, s.kind, s.outcome, s.at, s.message_id, s.instance, s.channel_type,
                    s.delivered_at, s.opened_at, s.clicked_at, s.replied_at
                FROM runs r JOIN run_steps s ON s.run_id = r.run_id
                WHERE r.cn = \(number) AND s.kind = 'send' ORDER BY s.at DESC, s.run_id DESC, s.visit DESC LIMIT 10
                """, [ck]),
        ])
        guard let record = results[0].rows.first else { return nil }
        return try PostgresMessageStore.fields { () throws(StoreError) -> CustomerProfile in
            var facts = CustomerFacts(
                id: try cipher.open(record[1]) ?? "", zone: record[2],
                attributes: try CustomerAttributes.decode(try cipher.open(record[3])))
            for row in results[1].rows { facts.addresses[row[0] ?? ""] = try cipher.open(row[1]) ?? "" }
            facts.tags = Set(results[2].rows.map { $0[0] ?? "" })
            for row in results[3].rows { facts.scores[row[1] ?? ""] = Self.score(row, from: 2) }
            return CustomerProfile(
                facts: facts, optOuts: PostgresMessageStore.optedOut(results[4].rows),
                createdAt: Self.int64(record[4]), updatedAt: Self.int64(record[5]),
                activeRuns: results[5].rows.map(Self.run), recentTouches: results[6].rows.map(Self.touch))
        }
    }

    private static func int64(_ text: String?) -> Int64 { text.flatMap { Int64($0) } ?? 0 }

    private static func run(_ row: [String?]) -> RunSnapshot {
        let runID = int64(row[0])
        let timer = row[12].flatMap { Int64($0) }.map { dueAt in
            DueTimer(
                runID: runID, dueAt: dueAt, rev: int64(row[13]),
                kind: TimerKind(rawValue: row[14] ?? "") ?? .wake)
        }
        return RunSnapshot(
            runID: runID, strategy: row[1] ?? "", version: Int(int64(row[2])),
            state: RunState(rawValue: row[3] ?? "") ?? .ready, step: row[4] ?? "", rev: int64(row[5]),
            visits: Int(int64(row[6])), holdout: int64(row[7]) != 0,
            outcome: row[8].flatMap(RunOutcome.init(rawValue:)), startedAt: int64(row[9]), updatedAt: int64(row[10]),
            finishedAt: row[11].flatMap { Int64($0) }, timer: timer)
    }

    private static func touch(_ row: [String?]) -> RunStepRecord {
        RunStepRecord(
            visit: Int(int64(row[0])), step: row[1] ?? "", kind: row[2] ?? "",
            outcome: RunStepRecord.Outcome(rawValue: row[3] ?? ""), at: int64(row[4]), messageID: row[5],
            instance: row[6], channelType: row[7], deliveredAt: row[8].flatMap { Int64($0) },
            openedAt: row[9].flatMap { Int64($0) }, clickedAt: row[10].flatMap { Int64($0) },
            repliedAt: row[11].flatMap { Int64($0) })
    }
}
