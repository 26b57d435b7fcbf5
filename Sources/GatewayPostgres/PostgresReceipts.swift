package import ChannelKit
internal import ControlProtocol
package import GatewayStore

/// Receipts, tracked clicks, engagement events and receipt polling on PostgreSQL: the statements of SQLite's
/// `StoreWriter+Receipts`, set-based.
///
/// A callback's receipts cost two round trips however many it holds: one read finds every message they name (by
/// our id, or by the vendor's id through `messages_vendor`), and one statement keeps the receipts (`ON CONFLICT` on
/// the unique fingerprint) and moves each message by its first kept receipt. Matching a batch send by recipient
/// happens here, between the two, because recipients may be sealed at rest.
///
/// The outcome is SQLite's, receipt by receipt: a receipt is kept once; it is linked to its message when it is
/// found; a message moves only forward (`queued`/`sent` to a final state), so of a callback's receipts for one
/// message only the first kept one with a state can move it; an engagement receipt (`opened`, `clicked`) moves no
/// state but joins the stream. The caller takes what it linked on to the runs of strategy messages (``Applied/linked``).
package struct PostgresReceipts: Sendable {
    private let cipher: FieldCipher

    package init(cipher: FieldCipher) {
        self.cipher = cipher
    }

    /// What a statement applied: its answer, the state changes (when asked for) and the sent → delivered
    /// latencies (ms) of the deliveries it applied, observed once the transaction commits.
    package struct Applied: Sendable {
        package var tally = ReceiptTally()
        package var changes: [StateChange] = []
        package var latencies: [Int64] = []
        /// Each kept receipt linked to its message: the message, its event and when it happened (for the runs
        /// of strategy messages).
        package var linked: [(sequence: Int64, event: Receipt.Event, at: Int64)] = []

        package init() {}
    }

    /// A message a receipt names, as the match reads it.
    private struct Target {
        var sequence: Int64
        var id: String
        var vendorMessageID: String?
        var recipient: String?
        /// Read as `sent` or not (a delivery's latency is only taken from `sent`).
        var sent: Bool
        var updatedAt: Int64
        var customer: String?
        var category: String
        var channel: String
    }

    /// A kept receipt's effect on its message's state: the state and the reason's columns.
    private struct Move {
        var state: MessageState
        var reason: Reason? = nil
    }

    // MARK: - Receipts

    /// Keeps a callback's receipts (each once), links each to its message and applies them (see the type).
    /// Runs inside the caller's transaction.
    package func record(
        _ receipts: [Receipt], channel: String, now: Int64, collectChanges: Bool, on connection: PostgresConnection
    ) throws(PostgresError) -> Applied {
        var applied = Applied()
        guard !receipts.isEmpty else { return applied }
        let targets = try findTargets(of: receipts, channel: channel, on: connection)
        // A receipt repeated inside the callback is a duplicate of its first: one row per fingerprint is sent.
        var fingerprints: [String?] = []
        var seen: Set<String> = []
        var rows: [Int] = []
        for (index, receipt) in receipts.enumerated() {
            let print = fingerprint(of: receipt, channel: channel, event: TimelineEvent(receipt.event).rawValue)
            guard seen.insert(print).inserted else {
                fingerprints.append(nil)
                continue
            }
            fingerprints.append(print)
            rows.append(index)
        }
        var sealed: [String?] = []
        for index in rows {
            sealed.append(try Self.converting { () throws(StoreError) in try cipher.seal(receipts[index].recipient) })
        }
        let moves = rows.map { Self.move(for: receipts[$0].event) }
        func text(_ value: (Int) -> String?) -> String { PostgresArray.text(rows.lazy.map(value)) }
        let result = try connection.query(
            PostgresStatement(
                """
                WITH r AS (
                    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                        $7::text[], $8::bigint[], $9::text[], $10::bigint[], $11::text[], $12::text[], $13::text[],
                        $14::text[])
                        AS r(idx, vendor_id, message_id, recipient, event, reason, vendor_status, occurred_at,
                            fingerprint, message_seq, state, move_reason, move_code, move_detail)),
                kept AS (
                    INSERT INTO receipts (channel, vendor_message_id, message_id, recipient, event, reason,
                        vendor_status, occurred_at, received_at, fingerprint, message_seq)
                    SELECT $15, vendor_id, message_id, recipient, event, reason, vendor_status, occurred_at, $16,
                        fingerprint, message_seq
                    FROM r ORDER BY idx
                    ON CONFLICT (fingerprint) DO NOTHING
                    RETURNING fingerprint),
                t AS (
                    SELECT DISTINCT ON (r.message_seq) r.message_seq AS seq, r.state, r.move_reason AS reason,
                        r.move_code AS code, r.move_detail AS detail, $16::bigint AS at
                    FROM r JOIN kept ON kept.fingerprint = r.fingerprint
                    WHERE r.message_seq IS NOT NULL AND r.state IS NOT NULL
                    ORDER BY r.message_seq, r.idx),
                \(Self.advance)
                SELECT fingerprint, NULL::bigint FROM kept UNION ALL SELECT NULL, seq FROM moved
                """,
                [
                    PostgresArray.bigint(rows.map(Int64.init)), text { receipts[$0].vendorMessageID },
                    text { receipts[$0].messageID }, PostgresArray.text(sealed),
                    text { TimelineEvent(receipts[$0].event).rawValue },
                    text { Self.failure(receipts[$0].event)?.category.name },
                    text { receipts[$0].vendorStatus },
                    PostgresArray.bigint(rows.map { receipts[$0].occurredAtMilliseconds }),
                    text { fingerprints[$0] }, PostgresArray.bigint(rows.map { targets[$0]?.sequence }),
                    PostgresArray.text(moves.lazy.map { $0?.state.rawValue }),
                    PostgresArray.text(moves.lazy.map { $0?.reason?.category.name }),
                    PostgresArray.text(moves.lazy.map { $0?.reason?.vendorCode }),
                    PostgresArray.text(moves.lazy.map { $0?.reason?.detail }), channel, String(now),
                ]))
        var kept: Set<String> = []
        var moved: Set<Int64> = []
        for row in result.rows {
            if let print = row[0] { kept.insert(print) }
            if let sequence = row[1].flatMap({ Int64($0) }) { moved.insert(sequence) }
        }
        // Messages whose first kept receipt with a state was seen: later ones find them final and change nothing.
        var settled: Set<Int64> = []
        for (index, receipt) in receipts.enumerated() {
            guard let print = fingerprints[index], kept.contains(print) else {
                applied.tally.duplicates += 1
                continue
            }
            applied.tally.keptByEvent[TimelineEvent(receipt.event), default: 0] += 1
            guard let target = targets[index] else {
                applied.tally.unmatched += 1
                continue
            }
            applied.tally.matched += 1
            applied.linked.append((target.sequence, receipt.event, receipt.occurredAtMilliseconds ?? now))
            try effects(
                of: receipt.event, on: target, occurredAt: receipt.occurredAtMilliseconds, now: now,
                moved: moved, settled: &settled, collectChanges: collectChanges, into: &applied)
        }
        return applied
    }

    /// Matches receipts that arrived before their send's reply, now that sent records gave the vendor's ids, and
    /// applies them (SQLite's `matchWaitingReceipts`). One indexed read over `receipts_unmatched`, which is empty
    /// while every receipt has found its message; only when it finds some, one statement links and applies them.
    /// Runs outside any transaction (its write is one statement).
    /// - Returns: what it applied, or `nil` when no receipt was waiting.
    package func matchWaiting(_ records: [AttemptRecord], collectChanges: Bool, on connection: PostgresConnection)
        throws(PostgresError) -> Applied?
    {
        let sent = records.filter { $0.state == .sent && $0.vendorMessageID != nil }
        guard !sent.isEmpty else { return nil }
        // The message must carry the record's vendor id now: the record was applied (not lost to a receipt or a
        // cancel that finished the message first). The EXISTS is decided once, on receipts_unmatched, before
        // anything is joined: while every receipt has its message (nearly always) the statement reads nothing;
        // each lookup is a LATERAL kept a nested loop by OFFSET 0 (a plain join was planned as a hash join over
        // the receipts, 0.9 ms per completion under load).
        let waiting = try connection.query(
            PostgresStatement(
                """
                SELECT s.idx, r.seq, r.recipient, r.event, r.reason, r.vendor_status, r.occurred_at, m.seq, m.id,
                    m.customer, m.category, m.channel
                FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS s(idx, seq, channel, vendor_id)
                CROSS JOIN LATERAL (
                    SELECT seq, recipient, event, reason, vendor_status, occurred_at FROM receipts
                    WHERE channel = s.channel AND vendor_message_id = s.vendor_id AND message_seq IS NULL
                    OFFSET 0) AS r
                JOIN messages m ON m.seq = s.seq AND m.channel = s.channel AND m.vendor_message_id = s.vendor_id
                WHERE EXISTS (SELECT 1 FROM receipts WHERE message_seq IS NULL)
                ORDER BY s.idx, r.seq
                """,
                [
                    PostgresArray.bigint((0..<Int64(sent.count)).map { $0 }),
                    PostgresArray.bigint(sent.map(\.sequence)),
                    PostgresArray.text(sent.lazy.map(\.channel)), PostgresArray.text(sent.lazy.map(\.vendorMessageID)),
                ]))
        guard !waiting.rows.isEmpty else { return nil }
        struct Match {
            var receipt: Int64
            var event: Receipt.Event
            var occurredAt: Int64?
            var target: Target
            var now: Int64
        }
        var matches: [Match] = []
        var taken: Set<Int64> = []
        for row in waiting.rows {
            guard let index = row[0].flatMap({ Int($0) }), let receipt = row[1].flatMap({ Int64($0) }),
                let sequence = row[7].flatMap({ Int64($0) }), !taken.contains(receipt)
            else { continue }
            let record = sent[index]
            // A batch shares one vendor id: a receipt naming another recipient is not this message's.
            if let named = try open(row[2]),
                PolicySubject.normalized(named) != PolicySubject.normalized(record.recipient ?? "")
            {
                continue
            }
            taken.insert(receipt)
            let target = Target(
                sequence: sequence, id: row[8] ?? "", vendorMessageID: record.vendorMessageID, recipient: nil,
                sent: true, updatedAt: record.finishedAt, customer: row[9], category: row[10] ?? "",
                channel: row[11] ?? "")
            matches.append(
                Match(
                    receipt: receipt, event: Self.event(named: row[3] ?? "", reason: row[4], vendorStatus: row[5]),
                    occurredAt: row[6].flatMap { Int64($0) }, target: target, now: record.finishedAt))
        }
        guard !matches.isEmpty else { return nil }
        // Each message moves by its first receipt with a state, at its send's time (as SQLite applies them).
        var first: [(sequence: Int64, move: Move, at: Int64)] = []
        var seen: Set<Int64> = []
        for match in matches {
            guard let move = Self.move(for: match.event), seen.insert(match.target.sequence).inserted else { continue }
            first.append((match.target.sequence, move, match.now))
        }
        let result = try connection.query(
            PostgresStatement(
                """
                WITH linked AS (
                    UPDATE receipts r SET message_seq = u.message_seq
                    FROM unnest($1::bigint[], $2::bigint[]) AS u(seq, message_seq) WHERE r.seq = u.seq),
                t AS (
                    SELECT * FROM unnest($3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
                        AS t(seq, state, reason, code, detail, at)),
                \(Self.advance)
                SELECT seq FROM moved
                """,
                [
                    PostgresArray.bigint(matches.map(\.receipt)), PostgresArray.bigint(matches.map(\.target.sequence)),
                    PostgresArray.bigint(first.map(\.sequence)),
                    PostgresArray.text(first.lazy.map(\.move.state.rawValue)),
                    PostgresArray.text(first.lazy.map { $0.move.reason?.category.name }),
                    PostgresArray.text(first.lazy.map { $0.move.reason?.vendorCode }),
                    PostgresArray.text(first.lazy.map { $0.move.reason?.detail }),
                    PostgresArray.bigint(first.map(\.at)),
                ]))
        let moved = Set(result.rows.compactMap { $0[0].flatMap { Int64($0) } })
        var applied = Applied()
        var settled: Set<Int64> = []
        for match in matches {
            applied.tally.matched += 1
            applied.linked.append((match.target.sequence, match.event, match.occurredAt ?? match.now))
            try effects(
                of: match.event, on: match.target, occurredAt: match.occurredAt, now: match.now, moved: moved,
                settled: &settled, collectChanges: collectChanges, into: &applied)
        }
        return applied
    }

    /// Moves each message of `t` (`seq`, `state`, `reason`, `code`, `detail`, `at`) forward: only from `queued` or
    /// `sent`, so a delivered message never goes back and a second final receipt changes nothing. A message leaving
    /// `queued` loses its claim (the dispatcher's later record of it is then lost, as on SQLite it finds the state
    /// moved), and a final message has nothing left to poll for. Two CTEs, `moved` (the moved `seq`s) and
    /// `unpolled`, to follow `WITH … t AS (…),`.
    private static let advance = """
        moved AS (
            UPDATE messages m SET state = t.state, reason = coalesce(t.reason, m.reason),
                reason_code = coalesce(t.code, m.reason_code), reason_detail = coalesce(t.detail, m.reason_detail),
                updated_at = t.at, claimed_by = NULL, claimed_until = NULL
            FROM t WHERE m.seq = t.seq AND m.state IN ('queued', 'sent')
            RETURNING m.seq),
        unpolled AS (DELETE FROM poll_queue p USING moved WHERE p.seq = moved.seq)
        """

    /// What a kept, linked receipt did beyond its row, in the order SQLite's `apply` does it: an engagement
    /// receipt joins the stream; the first receipt with a state of its message reports the move, if the
    /// statement made it, and a delivery of a `sent` message its latency.
    private func effects(
        of event: Receipt.Event, on target: Target, occurredAt: Int64?, now: Int64, moved: Set<Int64>,
        settled: inout Set<Int64>, collectChanges: Bool, into applied: inout Applied
    ) throws(PostgresError) {
        guard let move = Self.move(for: event) else {
            if collectChanges {
                applied.changes.append(
                    try change(target, state: Self.state(of: event), reason: nil, at: occurredAt ?? now))
            }
            return
        }
        guard settled.insert(target.sequence).inserted, moved.contains(target.sequence) else { return }
        if collectChanges {
            applied.changes.append(try change(target, state: move.state, reason: move.reason?.category.name, at: now))
        }
        if move.state == .delivered, target.sent {
            // Sent → delivered latency, by the vendor's clock when it gives one.
            applied.latencies.append(max(0, (occurredAt ?? now) - target.updatedAt))
        }
    }

    private func change(_ target: Target, state: MessageState, reason: String?, at: Int64) throws(PostgresError)
        -> StateChange
    {
        StateChange(
            messageID: target.id, customer: try open(target.customer), channel: target.channel,
            category: target.category, state: state, reason: reason, at: at)
    }

    /// The message each receipt is about, or `nil`: by our id when the vendor echoed it (on this channel), else by
    /// the vendor's id, told apart by recipient when one vendor id covers a batch. One read for the callback.
    private func findTargets(of receipts: [Receipt], channel: String, on connection: PostgresConnection)
        throws(PostgresError) -> [Target?]
    {
        let ids = Set(receipts.compactMap(\.messageID))
        let vendorIDs = Set(receipts.compactMap(\.vendorMessageID))
        guard !ids.isEmpty || !vendorIDs.isEmpty else { return receipts.map { _ in nil } }
        let rows = try connection.query(
            PostgresStatement(
                """
                SELECT 'i', seq, id, vendor_message_id, recipient, state, updated_at, customer, category, channel
                FROM messages WHERE id = ANY($2::text[]) AND channel = $1
                UNION ALL
                SELECT 'v', seq, id, vendor_message_id, recipient, state, updated_at, customer, category, channel
                FROM messages
                WHERE channel = $1 AND vendor_message_id = ANY($3::text[]) AND vendor_message_id IS NOT NULL
                """, [channel, PostgresArray.text(ids), PostgresArray.text(vendorIDs)]))
        var byID: [String: Target] = [:]
        var byVendorID: [String: [Target]] = [:]
        for row in rows.rows {
            let target = Target(
                sequence: row[1].flatMap { Int64($0) } ?? 0, id: row[2] ?? "", vendorMessageID: row[3],
                recipient: row[4], sent: row[5] == MessageState.sent.rawValue,
                updatedAt: row[6].flatMap { Int64($0) } ?? 0, customer: row[7], category: row[8] ?? "",
                channel: row[9] ?? "")
            if row[0] == "i" {
                byID[target.id] = target
            } else if let vendorMessageID = target.vendorMessageID {
                byVendorID[vendorMessageID, default: []].append(target)
            }
        }
        // A batch's members by normalized recipient, opened once for the callback; nil for a number named twice.
        var batches: [String: [String: Target?]] = [:]
        var targets: [Target?] = []
        targets.reserveCapacity(receipts.count)
        for receipt in receipts {
            if let id = receipt.messageID, let target = byID[id] {
                targets.append(target)
                continue
            }
            guard let vendorMessageID = receipt.vendorMessageID, let candidates = byVendorID[vendorMessageID] else {
                targets.append(nil)
                continue
            }
            guard candidates.count > 1 else {
                targets.append(candidates.first)
                continue
            }
            guard let recipient = receipt.recipient else {
                targets.append(nil)  // a batch without a recipient cannot be placed: kept, not guessed
                continue
            }
            if batches[vendorMessageID] == nil {
                var members: [String: Target?] = [:]
                for candidate in candidates {
                    let key = PolicySubject.normalized(try open(candidate.recipient) ?? "")
                    members[key] = members[key] == nil ? .some(candidate) : .some(nil)
                }
                batches[vendorMessageID] = members
            }
            targets.append(batches[vendorMessageID]?[PolicySubject.normalized(recipient)] ?? nil)
        }
        return targets
    }

    // MARK: - Clicks, events, polling

    /// Counts a click on a tracked link; the first click joins the message's timeline as a `clicked` receipt (and
    /// the stream). One statement.
    /// - Returns: the original URL (`nil` for an unknown token) and the change to stream, if asked for.
    package func click(_ token: String, now: Int64, collectChanges: Bool, on connection: PostgresConnection)
        throws(PostgresError) -> (url: String?, change: StateChange?, firstOfRun: (runID: Int64, visit: Int)?)
    {
        let rows = try connection.query(
            PostgresStatement(
                """
                WITH clicked AS (
                    UPDATE tracked_links SET clicks = clicks + 1, first_click_at = coalesce(first_click_at, $2::bigint)
                    WHERE token = $1::text RETURNING url, message_seq, channel, clicks),
                kept AS (
                    INSERT INTO receipts (channel, message_seq, event, occurred_at, received_at, fingerprint)
                    SELECT channel, message_seq, 'clicked', $2::bigint, $2::bigint, 'click:' || $1::text
                    FROM clicked WHERE clicks = 1
                    ON CONFLICT (fingerprint) DO NOTHING)
                SELECT c.url, c.clicks, m.id, m.customer, m.category, m.channel, m.run_id, m.run_visit
                FROM clicked c LEFT JOIN messages m ON m.seq = c.message_seq
                """, [token, String(now)]))
        guard let row = rows.rows.first else { return (nil, nil, nil) }
        let url = try open(row[0])
        // The first click of a strategy's message reaches its run.
        let firstOfRun =
            row[1] == "1" ? row[6].flatMap { Int64($0) }.map { ($0, row[7].flatMap { Int($0) } ?? 0) } : nil
        guard collectChanges, row[1] == "1", let id = row[2] else { return (url, nil, firstOfRun) }
        let change = StateChange(
            messageID: id, customer: try open(row[3]), channel: row[5] ?? "", category: row[4] ?? "",
            state: .clicked, reason: nil, at: now)
        return (url, change, firstOfRun)
    }

    /// Keeps an engagement event once per id (keyed like a dedup key), linked to the message it names. One
    /// statement. The caller takes the event on to the message's run (``PostgresRuns``).
    package func record(_ event: EngagementEvent, now: Int64, on connection: PostgresConnection)
        throws(PostgresError) -> (result: EventResult, touch: (runID: Int64, visit: Int)?)
    {
        let value = try Self.converting { () throws(StoreError) in try cipher.seal(event.value) }
        let rows = try connection.query(
            PostgresStatement(
                """
                WITH target AS (SELECT seq, run_id, run_visit FROM messages WHERE id = $2::text),
                kept AS (
                    INSERT INTO engagement_events (event_id, message_seq, subject, type, value, occurred_at, client,
                        received_at)
                    SELECT $1::text, (SELECT seq FROM target), $3::text, $4::text, $5::text, $6::bigint, $7::text,
                        $8::bigint
                    WHERE $2::text IS NULL OR EXISTS (SELECT 1 FROM target)
                    ON CONFLICT (event_id) DO NOTHING
                    RETURNING 1)
                SELECT EXISTS (SELECT 1 FROM target), EXISTS (SELECT 1 FROM kept), (SELECT run_id FROM target),
                    (SELECT run_visit FROM target)
                """,
                [
                    cipher.dedupKey("e:" + event.eventID), event.messageID,
                    event.customer.map { cipher.dedupKey(PolicySubject.customer($0)) }, event.name, value,
                    String(event.occurredAt), event.client, String(now),
                ]))
        let row = rows.rows.first ?? []
        if event.messageID != nil, (row.first ?? nil) != "t" { return (.unknownMessage, nil) }
        guard row.count > 3, row[1] == "t" else { return (.duplicate, nil) }
        return (.recorded, row[2].flatMap { Int64($0) }.map { ($0, row[3].flatMap { Int($0) } ?? 0) })
    }

    /// After a receipt query: each message is due again at `next`, or leaves the poll queue when it was sent
    /// before `giveUpBefore` or is no longer `sent` (or is gone). One statement.
    package func polled(_ sequences: [Int64], next: Int64, giveUpBefore: Int64, on connection: PostgresConnection)
        throws(PostgresError)
    {
        guard !sequences.isEmpty else { return }
        _ = try connection.query(
            PostgresStatement(
                """
                WITH s AS (SELECT DISTINCT unnest($1::bigint[]) AS seq),
                dropped AS (
                    DELETE FROM poll_queue p USING s
                    WHERE p.seq = s.seq AND (p.sent_at < $3::bigint
                        OR (SELECT m.state FROM messages m WHERE m.seq = p.seq) IS DISTINCT FROM 'sent')
                    RETURNING p.seq)
                UPDATE poll_queue p SET due_at = $2::bigint FROM s
                WHERE p.seq = s.seq AND NOT EXISTS (SELECT 1 FROM dropped d WHERE d.seq = p.seq)
                """, [PostgresArray.bigint(sequences), String(next), String(giveUpBefore)]))
    }

    // MARK: - Names, fingerprints, fields

    /// What makes a receipt the same as one kept before, exactly as SQLite keeps it
    /// (``FieldCipher/receiptFingerprint(_:channel:event:)``).
    package func fingerprint(of receipt: Receipt, channel: String, event: String) -> String {
        cipher.receiptFingerprint(receipt, channel: channel, event: event)
    }

    /// The state a receipt event moves a message to, and its reason; `nil` for engagement (the timeline keeps it,
    /// the delivery state stays).
    private static func move(for event: Receipt.Event) -> Move? {
        event.transition.map { Move(state: $0.state, reason: $0.reason) }
    }

    /// The state a receipt event is streamed as.
    private static func state(of event: Receipt.Event) -> MessageState { event.streamedState }

    /// A failure receipt's reason (kept in `receipts.reason`).
    private static func failure(_ event: Receipt.Event) -> Reason? {
        if case .failed(let reason) = event { reason } else { nil }
    }

    /// A kept receipt's event from its stored name; a name this version does not know reads as a failure, its
    /// vendor status as the code (as SQLite reads waiting receipts).
    private static func event(named name: String, reason: String?, vendorStatus: String?) -> Receipt.Event {
        switch TimelineEvent(rawValue: name) {
        case .delivered: .delivered
        case .opened: .opened
        case .clicked: .clicked
        case .answered: .answered
        case .noAnswer: .unanswered
        case .busy: .busy
        case .invalidNumber: .invalidNumber
        case .refused: .refused
        case .failed, .converted, nil:
            .failed(Reason(ReasonCategory(name: reason ?? "") ?? .unknown, vendorCode: vendorStatus))
        }
    }

    /// A stored field in the clear.
    private func open(_ stored: String?) throws(PostgresError) -> String? {
        try Self.converting { () throws(StoreError) in try cipher.open(stored) }
    }

    /// Runs `body`, turning a field that cannot be sealed or opened into a failed statement (nothing holds).
    private static func converting<Value>(_ body: () throws(StoreError) -> Value) throws(PostgresError) -> Value {
        do {
            return try body()
        } catch {
            throw .statementFailed(error.message, sqlState: nil)
        }
    }
}
