public import GatewayStore

/// The consent log on PostgreSQL, row for row as the SQLite store keeps it (`StoreWriter+Policy`): every change
/// appended to `consent_log` under the subject's keyed hash, its text and evidence sealed, and the latest decision
/// per subject and channel in `consent_state`, which intake reads (``PostgresIntake``).
extension PostgresMessageStore {
    /// Appends opt-outs and opt-ins to the log and updates the standing decisions in one statement; `completion`
    /// runs after the commit, with the count. Runs whose strategy exits on `opted_out` finish in the same
    /// transaction.
    public func changeConsent(
        _ changes: [ConsentChange], completion: @escaping @Sendable (Result<Int, StoreError>) -> Void
    ) {
        guard !changes.isEmpty else { return completion(.success(0)) }
        let cipher = cipher
        performRuns(
            { runs, turn throws(PostgresError) -> Int in
                let sealed = try Self.fields { () throws(StoreError) in
                    try changes.map { change throws(StoreError) in
                        (text: try cipher.seal(change.subject.text), evidence: try cipher.seal(change.evidence))
                    }
                }
                // Log numbers follow the changes' order (the sorted SELECT feeds the INSERT row by row), so a
                // subject's latest change in the batch is the one that stands, as when SQLite writes them one by one.
                // A decision already standing with a later number (another node's, committed first) stays.
                _ = try turn.connection.query(
                    PostgresStatement(
                        """
                        WITH c AS (
                            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                $7::text[], $8::text[])
                                WITH ORDINALITY AS c(subject, kind, text, channel, action, route, evidence, client, i)),
                        logged AS (
                            INSERT INTO consent_log (subject, subject_kind, subject_text, channel, action, route,
                                evidence, client, at)
                            SELECT subject, kind, text, channel, action, route, evidence, client, $9 FROM c ORDER BY i
                            RETURNING seq, subject, channel, action)
                        INSERT INTO consent_state (subject, channel, opted_out, log_seq)
                        SELECT DISTINCT ON (subject, channel) subject, channel,
                            CASE WHEN action = '\(ConsentChange.Action.optOut.rawValue)' THEN 1 ELSE 0 END, seq
                        FROM logged ORDER BY subject, channel, seq DESC
                        ON CONFLICT (subject, channel) DO UPDATE SET opted_out = excluded.opted_out,
                            log_seq = excluded.log_seq
                        WHERE consent_state.log_seq < excluded.log_seq
                        """,
                        [
                            PostgresArray.text(changes.lazy.map { cipher.dedupKey($0.subject.key) }),
                            PostgresArray.text(changes.lazy.map(\.subject.kind.rawValue)),
                            PostgresArray.text(sealed.lazy.map(\.text)),
                            PostgresArray.text(changes.lazy.map(\.channel)),
                            PostgresArray.text(changes.lazy.map(\.action.rawValue)),
                            PostgresArray.text(changes.lazy.map(\.route.rawValue)),
                            PostgresArray.text(sealed.lazy.map(\.evidence)),
                            PostgresArray.text(changes.lazy.map(\.client)), String(turn.now),
                        ]))
                if runs.served {
                    for change in changes { try runs.applyOptOut(change, turn: &turn) }
                }
                return changes.count
            }, completion: completion)
    }

    /// A subject's standing opt-outs and its whole log, after everything queued so far is committed.
    public func consent(
        of subject: ConsentChange.Subject, completion: @escaping @Sendable (Result<ConsentReport, StoreError>) -> Void
    ) {
        let cipher = cipher
        let key = cipher.dedupKey(subject.key)
        read(
            { connection throws(PostgresError) -> ConsentReport in
                // Channels in byte order, as SQLite sorts them (not the database's collation).
                let results = try connection.batch([
                    PostgresStatement(
                        "SELECT channel, opted_out, log_seq FROM consent_state WHERE subject = $1 ORDER BY channel COLLATE \"C\"",
                        [key]),
                    PostgresStatement(
                        """
                        SELECT seq, subject_kind, subject_text, channel, action, route, evidence, client, at
                        FROM consent_log WHERE subject = $1 ORDER BY seq
                        """, [key]),
                ])
                return ConsentReport(
                    optedOut: Self.optedOut(results[0].rows), entries: try Self.consentEntries(results[1].rows, cipher))
            }, completion: completion)
    }

    /// The channels a subject stands opted out of, from its `consent_state` rows (`channel, opted_out, log_seq`, in
    /// the order to answer them).
    static func optedOut(_ standing: [[String?]]) -> [String] {
        let rows = standing.map { row in
            (channel: row[0] ?? "", optedOut: row[1] == "1", sequence: row[2].flatMap { Int64($0) } ?? 0)
        }
        // A channel's opt-out stands unless a later decision for every channel (`*`) overrides it.
        let everyChannel = rows.first { $0.channel == "*" }
        return rows.filter { row in
            guard row.optedOut else { return false }
            guard row.channel != "*", let everyChannel, !everyChannel.optedOut else { return true }
            return row.sequence > everyChannel.sequence
        }.map(\.channel)
    }

    /// A page of the whole consent log after `sequence`, optionally only entries at or after `since`.
    public func consentLog(
        after sequence: Int64, since: Int64?, limit: Int,
        completion: @escaping @Sendable (Result<[ConsentReport.Entry], StoreError>) -> Void
    ) {
        let cipher = cipher
        read(
            { connection throws(PostgresError) -> [ConsentReport.Entry] in
                let rows = try connection.query(
                    PostgresStatement(
                        """
                        SELECT seq, subject_kind, subject_text, channel, action, route, evidence, client, at
                        FROM consent_log WHERE seq > $1 AND ($2::bigint IS NULL OR at >= $2) ORDER BY seq LIMIT $3
                        """, [String(sequence), since.map(String.init), String(limit)]))
                return try Self.consentEntries(rows.rows, cipher)
            }, completion: completion)
    }

    /// Log rows (`seq, subject_kind, subject_text, channel, action, route, evidence, client, at`) as entries, their
    /// sealed fields opened; names this build does not know read back as stored.
    private static func consentEntries(_ rows: [[String?]], _ cipher: FieldCipher) throws(PostgresError)
        -> [ConsentReport.Entry]
    {
        try fields { () throws(StoreError) in
            try rows.map { row throws(StoreError) in
                ConsentReport.Entry(
                    sequence: row[0].flatMap { Int64($0) } ?? 0, subjectKind: .init(rawValue: row[1] ?? ""),
                    subject: try cipher.open(row[2]) ?? "", channel: row[3] ?? "",
                    action: .init(rawValue: row[4] ?? ""),
                    route: .init(rawValue: row[5] ?? ""), evidence: try cipher.open(row[6]), client: row[7] ?? "",
                    at: row[8].flatMap { Int64($0) } ?? 0)
            }
        }
    }
}
